# securerun-lint: ignore SR009
docker run --privileged busybox true
