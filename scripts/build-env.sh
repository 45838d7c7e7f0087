# Sourced by the scripts that build gaia from the top of the tree (test.sh, test-tsan.sh,
# package.sh): what every such build shares.

# ccache hits across clones of this repository (CI builds a fresh one): paths are hashed
# relative to it, and the build directory is not part of the hash.
CCACHE_BASEDIR=$(pwd)
CCACHE_NOHASHDIR=true
export CCACHE_BASEDIR CCACHE_NOHASHDIR

# Parallel jobs for the build and for ctest.
jobs=$(nproc 2>/dev/null || echo 2)
