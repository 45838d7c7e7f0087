# `cpack -G DEB` (scripts/package.sh runs it): gaia_VERSION_ARCH.deb for Debian 12.
# Depends comes from the binary's shared libraries (dpkg-shlibdeps) plus libcurl, which gaia
# loads at run time; what only some jobs need is recommended or suggested.
set(GAIA_PACKAGE_MAINTAINER "The gaia authors <maintainers@gaia.invalid>"
    CACHE STRING "Maintainer of the .deb: set your own name and address when you distribute it")

# A Debian revision makes the package non-native: its changelog is changelog.Debian.gz, the
# upstream one changelog.gz.
set(GAIA_DEB_VERSION "${GAIA_PACKAGE_VERSION}-1")
# The build's date, or SOURCE_DATE_EPOCH's (CMake honours it) for a reproducible package.
string(TIMESTAMP GAIA_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in ${PROJECT_BINARY_DIR}/debian/changelog.Debian @ONLY)
set(GAIA_DEB_CHANGELOG_GZ ${PROJECT_BINARY_DIR}/debian/changelog.Debian.gz)
add_custom_command(OUTPUT ${GAIA_DEB_CHANGELOG_GZ}
                   COMMAND sh -c "gzip -9nc \"$1\" > \"$2\"" sh ${PROJECT_BINARY_DIR}/debian/changelog.Debian
                           ${GAIA_DEB_CHANGELOG_GZ}
                   DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog.Debian VERBATIM)
add_custom_target(gaia_deb_changelog ALL DEPENDS ${GAIA_DEB_CHANGELOG_GZ})
install(FILES ${GAIA_DEB_CHANGELOG_GZ} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_PACKAGE_NAME gaia)
set(CPACK_PACKAGE_VERSION "${GAIA_PACKAGE_VERSION}")
set(CPACK_PACKAGE_CONTACT "${GAIA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "job orchestrator for HTTP, file, browser and process jobs")
# CPack puts the summary first: the extended description starts after it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "gaia reads TOML job files describing HTTP API calls, file operations,
headless-browser sessions and OS processes, and runs them concurrently on one
event loop under shared limits: rate limits, circuit breakers, a bandwidth
budget, a DNS cache, connection and process caps, resource limits.
.
It reports as a summary table, JSON, JUnit XML and Prometheus metrics, and its
long-running mode (gaia serve) runs scheduled jobs behind health, readiness,
liveness and metrics endpoints. Prometheus alert rules, Grafana dashboards and
a hardened systemd unit come with it.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.88)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "chromium")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, prometheus-node-exporter, grafana, libgoogle-perftools4")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# Directories 0755 whatever the builder's umask (Debian policy; install(FILES) makes files 0644).
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};gaia;ALL;/;${PROJECT_BINARY_DIR};gaia;deb;/")
include(CPack)
