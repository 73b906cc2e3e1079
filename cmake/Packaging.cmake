# Installation layout and the Debian package (CPack DEB).
#
#   cmake --build build --target package      -> build/junction_<version>_<arch>.deb
#
# Files and where they go (absolute paths are Debian's; `cmake --install` writes them too,
# so use DESTDIR=... when installing by hand):
#   /usr/bin/junction                          the binary (src/CMakeLists.txt)
#   /etc/junction/junction.toml                config/junction.example.toml, a conffile
#   /lib/systemd/system/junction.service       deploy/systemd/junction.service
#   /usr/lib/sysusers.d/junction.conf          the system user, for systemd-sysusers
#   /usr/share/man/man1/junction.1.gz          generated from docs/junction.1.md
#   /usr/share/doc/junction/                   README, admin and user guides, server recipes
# The maintainer scripts in deploy/debian/ create the user and /var/lib/junction.

set(JUNCTION_PACKAGE_MAINTAINER "Junction developers <junction@example.org>"
    CACHE STRING "Maintainer field of the Debian package")

# --- the man page: one source (docs/junction.1.md), roff generated at build time ---------
set(_junction_man_src ${PROJECT_SOURCE_DIR}/docs/junction.1.md)
set(_junction_man ${PROJECT_BINARY_DIR}/man/junction.1)
add_custom_command(
  OUTPUT ${_junction_man}.gz
  COMMAND ${CMAKE_COMMAND} -DINPUT=${_junction_man_src} -DOUTPUT=${_junction_man}
          -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/deploy/man/md2man.cmake
  COMMAND gzip -9 -n -f -k ${_junction_man}
  DEPENDS ${_junction_man_src} ${PROJECT_SOURCE_DIR}/deploy/man/md2man.cmake
  COMMENT "Generating the junction(1) man page"
  VERBATIM)
add_custom_target(junction_man ALL DEPENDS ${_junction_man}.gz)

# --- install rules -------------------------------------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/config/junction.example.toml
        DESTINATION /etc/junction RENAME junction.toml
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/junction.service
        DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/sysusers/junction.conf
        DESTINATION lib/sysusers.d)
install(FILES ${_junction_man}.gz DESTINATION share/man/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md
              ${PROJECT_SOURCE_DIR}/docs/admin.md
              ${PROJECT_SOURCE_DIR}/docs/user.md
              ${PROJECT_SOURCE_DIR}/config/junction.example.toml
        DESTINATION share/doc/junction)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/recipes/
        DESTINATION share/doc/junction/recipes)

# --- CPack: one .deb -------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME junction)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${JUNCTION_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "XMPP gateway to IRC, SMS and email (XEP-0114 component)")
# CPack puts the summary first and indents these lines itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Junction connects to an XMPP server (Prosody, ejabberd, Openfire) as one
external component per gateway domain and bridges each domain to a legacy
network: IRC channels and private messages, SMS through an HTTP provider
(Twilio, Kannel and others), or email over SMTP/LMTP. Messages are stored
in SQLite before they are acknowledged.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries by their Debian package names (needs dpkg-shlibdeps from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, sqlite3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prosody | ejabberd, nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
