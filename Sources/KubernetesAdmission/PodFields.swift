/// The fields of a Pod (core/v1, Kubernetes 1.33) securerun knows, level by level. A key not listed is
/// refused (``PodObject``): it may be a newer field that changes how a container runs, which no rule judges.
/// Fields listed but not read change nothing the profile governs (scheduling, probes, names, messages).
enum PodFields {
    static let spec: Set<String> = [
        "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds",
        "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount", "automountServiceAccountToken",
        "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
        "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig",
        "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints",
        "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources",
    ]

    static let container: Set<String> = [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy", "restartPolicy",
        "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
        "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    ]

    /// An ephemeral container (`kubectl debug`) has the container's fields and the one naming its target.
    static let ephemeralContainer: Set<String> = container.union(["targetContainerName"])

    static let securityContext: Set<String> = [
        "capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem",
        "allowPrivilegeEscalation", "procMount", "seccompProfile", "appArmorProfile",
    ]

    static let podSecurityContext: Set<String> = [
        "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "supplementalGroupsPolicy",
        "fsGroup", "sysctls", "fsGroupChangePolicy", "seccompProfile", "appArmorProfile", "seLinuxChangePolicy",
    ]

    static let capabilities: Set<String> = ["add", "drop"]
    static let seccompProfile: Set<String> = ["type", "localhostProfile"]
    static let appArmorProfile: Set<String> = ["type", "localhostProfile"]
    static let resources: Set<String> = ["limits", "requests", "claims"]
    static let volumeMount: Set<String> = ["name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"]
    static let volumeDevice: Set<String> = ["name", "devicePath"]
    static let port: Set<String> = ["name", "hostPort", "containerPort", "protocol", "hostIP"]
    static let sysctl: Set<String> = ["name", "value"]
    static let hostPath: Set<String> = ["path", "type"]
    static let emptyDir: Set<String> = ["medium", "sizeLimit"]

    /// Volume sources whose files come from the API (read-only, never a host path): mounted as they are.
    static let apiVolumes: Set<String> = ["configMap", "secret", "downwardAPI", "projected"]
    /// Every volume source of the API; those not read above are refused as not supported.
    static let volume: Set<String> = [
        "name", "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
        "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
        "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
        "ephemeral", "image",
    ]
}
