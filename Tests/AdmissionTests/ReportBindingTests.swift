import Foundation
import Testing

@testable import Admission

/// Item 4: a report is signed only for the image it scanned, as far as the report says what that was.
@Suite struct ReportBindingTests {
    let image = AttestedImage(
        manifestDigest: "sha256:" + String(repeating: "1", count: 64), configDigest: "sha256:" + String(repeating: "2", count: 64),
        names: ["registry.test:5000/team/app:1.0"])

    func report(_ artifact: ReportArtifact) -> ScanReport {
        ScanReport(scanner: .trivy, scannerVersion: nil, vulnerabilities: [], createdAt: nil, artifact: artifact)
    }

    /// What real reports carry: Trivy's ImageID and RepoTags, Grype's imageID, manifestDigest and userInput.
    @Test func realReportsNameTheirArtifact() throws {
        let trivy = try ScanReport.parse(try fixture("trivy-debian-buster.json"), source: "t").artifact
        #expect(trivy.names == ["testdata/fixtures/images/debian-buster.tar.gz", "ghcr.io/aquasecurity/trivy-test-images:debian-buster"])
        #expect(trivy.configDigests == ["sha256:c2c03a296d2329a4f3ab72a7bf38b78a8a80108204d326b0139d6af700e152d1"])
        let grype = try ScanReport.parse(try fixture("grype-chainguard-ruby-wolfi.json"), source: "g").artifact
        #expect(grype.names.first == "cgr.dev/chainguard/ruby:latest-3.0")
        #expect(grype.configDigests == ["sha256:2f88265cfbc43ca35cd327347a9f59375b9f29ef998b8a54a882e31111266640"])
        #expect(grype.manifestDigests == ["sha256:86abe662dfa3746038eea6b0db91092b0767d78b8b8938a343d614cd1579adc2"])
        #expect(try ScanReport.parse(try fixture("grype-empty-no-matches.json"), source: "g").artifact.isEmpty)
    }

    /// A Debian report for a busybox image used to be signed without a word.
    @Test func reportOfAnotherImageIsRefused() throws {
        let debian = try ScanReport.parse(try fixture("trivy-debian-buster.json"), source: "debian.json")
        #expect(throws: AdmissionError.self) { try ReportBinding.check(debian, image: image, source: "debian.json") }
        do {
            try ReportBinding.check(debian, image: image, source: "debian.json")
        } catch {
            #expect(
                "\(error)"
                    == "debian.json: the report is of another image: it scanned image id sha256:c2c03a296d2329a4f3ab72a7bf38b78a8a80108204d326b0139d6af700e152d1, "
                    + "this image's config digest is \(image.configDigest); give --force if it really is this image's scan")
        }
    }

    @Test func reportOfThisImageIsAccepted() throws {
        try ReportBinding.check(report(ReportArtifact(names: ["elsewhere/other:2"], configDigests: [image.configDigest])), image: image, source: "r")
        try ReportBinding.check(report(ReportArtifact(manifestDigests: [image.manifestDigest])), image: image, source: "r")
        try ReportBinding.check(report(ReportArtifact(repoDigests: ["registry.test:5000/team/app@\(image.manifestDigest)"])), image: image, source: "r")
        try ReportBinding.check(report(ReportArtifact(names: ["registry.test:5000/team/app:2.0"])), image: image, source: "r")
        try ReportBinding.check(report(ReportArtifact(names: ["./app.tar"])), image: image, source: "r")  // trivy --input: no name to compare
        let library = AttestedImage(manifestDigest: image.manifestDigest, configDigest: image.configDigest, names: ["alpine:3.19"])
        try ReportBinding.check(report(ReportArtifact(names: ["docker.io/library/alpine:3.19"])), image: library, source: "r")
    }

    @Test(arguments: [
        ReportArtifact(configDigests: ["sha256:" + String(repeating: "9", count: 64)]),
        ReportArtifact(manifestDigests: ["sha256:" + String(repeating: "9", count: 64)]),
        ReportArtifact(repoDigests: ["registry.test:5000/team/app@sha256:" + String(repeating: "9", count: 64)]),
        ReportArtifact(names: ["registry.test:5000/team/other:1.0"]),
    ])
    func contradictionsAreRefused(artifact: ReportArtifact) {
        #expect(throws: AdmissionError.self) { try ReportBinding.check(report(artifact), image: image, source: "r") }
    }

    /// `{"SchemaVersion":2}` alone used to count as a clean report of any image.
    @Test func reportThatNamesNothingIsRefused() throws {
        let bare = try ScanReport.parse(Data(#"{"SchemaVersion":2}"#.utf8), source: "bare.json")
        #expect(throws: AdmissionError.reportNamesNoArtifact(source: "bare.json")) { try ReportBinding.check(bare, image: image, source: "bare.json") }
    }
}
