# securerun-lint: ignore SR009 the fixture checks that a reasoned suppression is accepted
docker run --privileged busybox true
