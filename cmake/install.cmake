# What `cmake --install` puts under the prefix besides the two commands: the
# numerics library (shared and static libqthermo), its header, a CMake package
# (find_package(qthermo) -> qthermo::qthermo, qthermo::qthermo_static), a
# qthermo.pc for pkg-config, the man pages and the job scripts and configs.
include(CMakePackageConfigHelpers)
set(QT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qthermo)
set(QT_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS qthermo_shared qthermo_core EXPORT qthermoTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/qthermo/qthermo.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qthermo)
install(EXPORT qthermoTargets NAMESPACE qthermo:: DESTINATION ${QT_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/qthermoConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/qthermoConfig.cmake
                              INSTALL_DESTINATION ${QT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/qthermoConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/qthermoConfig.cmake ${CMAKE_BINARY_DIR}/qthermoConfigVersion.cmake
        DESTINATION ${QT_CMAKE_DIR})

# qthermo.pc finds its prefix from its own place (relocatable: --prefix at install time)
file(RELATIVE_PATH QT_PC_TO_PREFIX /${QT_PC_DIR} /)
string(REGEX REPLACE "/$" "" QT_PC_TO_PREFIX "${QT_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/qthermo.pc.in ${CMAKE_BINARY_DIR}/qthermo.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/qthermo.pc DESTINATION ${QT_PC_DIR})

# man pages: from `qthermo params --json` and the commands' --help (one source)
set(QT_MAN_PAGES ${CMAKE_BINARY_DIR}/man/qthermo.1 ${CMAKE_BINARY_DIR}/man/qthermo-plot.1)
add_custom_command(
  OUTPUT ${QT_MAN_PAGES}
  COMMAND ${CMAKE_COMMAND} -E env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
          ${QT_PYTHON} ${PROJECT_SOURCE_DIR}/src/cli/make_man.py $<TARGET_FILE:qthermo>
          ${CMAKE_BINARY_DIR}/qthermo-plot ${CMAKE_BINARY_DIR}/man
  DEPENDS qthermo ${PROJECT_SOURCE_DIR}/src/cli/make_man.py ${PROJECT_SOURCE_DIR}/src/plot/qthermo_plot.py
  COMMENT "Man pages qthermo(1), qthermo-plot(1)")
add_custom_target(qthermo_man ALL DEPENDS ${QT_MAN_PAGES})
install(FILES ${QT_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# job scripts and configs, for a copy outside the repository
file(GLOB QT_JOB_SCRIPTS ${PROJECT_SOURCE_DIR}/jobs/*.sh ${PROJECT_SOURCE_DIR}/jobs/*.sbatch)
install(PROGRAMS ${QT_JOB_SCRIPTS} DESTINATION ${CMAKE_INSTALL_DATADIR}/qthermo/jobs)
install(FILES ${PROJECT_SOURCE_DIR}/jobs/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/qthermo/jobs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs DESTINATION ${CMAKE_INSTALL_DATADIR}/qthermo)
