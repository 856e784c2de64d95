# nsx in an image of its own, for a debug pod or a DaemonSet on a node: the
# static binary alone, run against the host mounted at /host.
#
#   make image
#   docker run --rm --pid host --privileged -v /:/host:ro nsx ls
#
# --pid host lets nsx see the host's processes; --privileged gives it the
# capabilities reading other processes' namespaces needs (CAP_SYS_PTRACE
# and CAP_SYS_ADMIN for the NS_GET_* ioctls). Nothing is written to /host.
FROM scratch
COPY bin/nsx /nsx
ENTRYPOINT ["/nsx", "--host-root", "/host"]
CMD ["ls"]
