# What `cmake --install` puts on a system (GNUInstallDirs, so --prefix and DESTDIR work):
# the binary, the manual pages, the shell completions where each shell looks for vendor
# completions, the systemd unit, the monitoring kit and the Slurm job array script under
# share/gaia, and the examples under share/doc/gaia. No test binary or benchmark tool is installed.
include(GNUInstallDirs)

install(TARGETS gaia RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Manual pages, gzipped at build time (Debian policy; man reads either).
file(GLOB GAIA_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.[1-8])
set(GAIA_MAN_GZ "")
foreach(page ${GAIA_MAN_PAGES})
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE "^.*\\.([1-8])$" "\\1" section ${name})
  set(gz ${PROJECT_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND sh -c "gzip -9nc \"$1\" > \"$2\"" sh ${page} ${gz}
                     DEPENDS ${page} VERBATIM)
  list(APPEND GAIA_MAN_GZ ${gz})
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(gaia_man_pages ALL DEPENDS ${GAIA_MAN_GZ})

# Completions. bash-completion and fish search <prefix>/share of every XDG data dir.
install(FILES ${PROJECT_SOURCE_DIR}/completions/gaia.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME gaia)
install(FILES ${PROJECT_SOURCE_DIR}/completions/gaia.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# Two files depend on the prefix given at install time (`cmake --install --prefix P`), not
# the configured one, so they are placed by install-time code: zsh on Debian reads
# vendor-completions under /usr but site-functions under /usr/local; the systemd unit's
# ExecStart names the installed binary.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(gaia_zsh_dir vendor-completions)
  else()
    set(gaia_zsh_dir site-functions)
  endif()
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/\${gaia_zsh_dir}\"
       TYPE FILE FILES \"${PROJECT_SOURCE_DIR}/completions/_gaia\")

  # One staging file per destination: installs into two places may run at once.
  set(GAIA_INSTALLED_BINARY \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/gaia\")
  string(MD5 gaia_unit_key \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  set(gaia_unit \"${PROJECT_BINARY_DIR}/unit/\${gaia_unit_key}/gaia.service\")
  configure_file(\"${PROJECT_SOURCE_DIR}/deploy/gaia.service.in\" \"\${gaia_unit}\" @ONLY)
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE FILE FILES \"\${gaia_unit}\")
  file(REMOVE_RECURSE \"${PROJECT_BINARY_DIR}/unit/\${gaia_unit_key}\")
")

# The monitoring kit: Prometheus configuration, alert rules and their tests, Grafana
# dashboards and provisioning (generate.py only regenerates the dashboards: not installed).
install(FILES ${PROJECT_SOURCE_DIR}/configs/prometheus.yml ${PROJECT_SOURCE_DIR}/configs/alerts.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/gaia)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/tests DESTINATION ${CMAKE_INSTALL_DATADIR}/gaia)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/grafana_dashboards DESTINATION ${CMAKE_INSTALL_DATADIR}/gaia
        PATTERN "*.py" EXCLUDE PATTERN "__pycache__" EXCLUDE)

# The Slurm job array script (gaia-array.sbatch runs a sharded run and its merge), where a
# cluster's users find it with the package.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/slurm/gaia-array.sbatch DESTINATION ${CMAKE_INSTALL_DATADIR}/gaia/slurm)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/slurm/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/gaia/slurm)

# Documentation: the examples, the README and its pictures, the changelog (upstream's, gzipped as Debian
# names it) and the licences (of gaia and of what its binary contains).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The README's pictures, where its links lead (docs/images beside it).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/images DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
set(GAIA_CHANGELOG_GZ ${PROJECT_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${GAIA_CHANGELOG_GZ}
                   COMMAND sh -c "gzip -9nc \"$1\" > \"$2\"" sh ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${GAIA_CHANGELOG_GZ}
                   DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md VERBATIM)
add_custom_target(gaia_changelog ALL DEPENDS ${GAIA_CHANGELOG_GZ})
install(FILES ${GAIA_CHANGELOG_GZ} DESTINATION ${CMAKE_INSTALL_DOCDIR})
