# Install rules (`make install`) and the Debian package (`make package`): the binary, the default
# config (kept when one is already installed), the systemd unit and the man page.
include(GNUInstallDirs)

# `install` and `package` build only what they install (hookd), not every target.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(HOOKD_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
configure_file(packaging/hookd.service.in hookd.service @ONLY)

install(TARGETS hookd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/hookd.service DESTINATION ${HOOKD_SYSTEMD_UNIT_DIR})
configure_file(packaging/hookd.1.in hookd.1 @ONLY)
# Gzipped as Debian wants man pages, without name or time stamp (reproducible); redone whenever
# configure_file reruns the configuration because hookd.1.in changed.
execute_process(COMMAND gzip -9nc hookd.1 WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
                OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/hookd.1.gz COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/hookd.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# An existing config is the operator's: never overwritten (the .deb marks it a conffile).
install(CODE "
  set(conf \"\$ENV{DESTDIR}${CMAKE_INSTALL_FULL_SYSCONFDIR}/hookd/hookd.toml\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Keeping: \${conf}\")
  else()
    file(INSTALL \"${CMAKE_CURRENT_SOURCE_DIR}/packaging/hookd.toml\"
         DESTINATION \"${CMAKE_INSTALL_FULL_SYSCONFDIR}/hookd\")
  endif()")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hookd)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "self-hosted webhook delivery server with a Svix v1 compatible API")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set(CPACK_SET_DESTDIR ON)  # the config and the unit have absolute destinations
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # hookd_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "hookd maintainers <hookd@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)  # postinst; merged with the shared libraries' packages
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
