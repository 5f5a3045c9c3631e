# Run by ctest (tests/install/CMakeLists.txt) as `cmake -D... -P consumer-test.cmake`:
#   1. cmake --install the admit build tree into WORK_DIR/prefix;
#   2. configure, build and run examples/embed with find_package(admit CONFIG) from that prefix;
#   3. compile examples/embed/main.cpp with the flags `pkg-config --cflags --libs admit` gives;
#   4. configure, build and run examples/embed against the build tree's export (admit_DIR).
# Each run must succeed and print the benchmark county's answer for the sample applicant.
cmake_minimum_required(VERSION 3.25)

foreach(var ADMIT_BINARY_DIR ADMIT_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "consumer-test.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

set(prefix ${WORK_DIR}/prefix)
set(example ${ADMIT_SOURCE_DIR}/examples/embed)
set(policy ${ADMIT_SOURCE_DIR}/rules/examples/benchmark-county.yaml)
set(expected_output "group: hukou_property \\(有房有户\\), rank 2\npoints: 78(\\.0+)?\nmissing certificates: property_certificate\n")

function(run step)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command_line)
    message(FATAL_ERROR "${step} failed (${rc}):\n${command_line}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(check_output step)
  message(STATUS "${step} printed:\n${last_output}")
  if(NOT last_output MATCHES "${expected_output}")
    message(FATAL_ERROR "${step}: unexpected output, wanted\n${expected_output}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# 1. Install.
run("install" ${CMAKE_COMMAND} --install ${ADMIT_BINARY_DIR} --prefix ${prefix} --config ${CONFIG})
file(GLOB_RECURSE config_files ${prefix}/*/admit-config.cmake)
if(NOT config_files)
  message(FATAL_ERROR "no admit-config.cmake under ${prefix}")
endif()
file(GLOB_RECURSE pc_files ${prefix}/*/admit.pc)

set(common_args -G ${GENERATOR}
  -DCMAKE_BUILD_TYPE=${CONFIG}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  -DADMIT_EXAMPLE_POLICY=${policy})

# 2. find_package from the installed prefix, and nothing else: no build tree, no package registry.
set(build ${WORK_DIR}/find-package)
run("configure (find_package)" ${CMAKE_COMMAND} -S ${example} -B ${build} ${common_args}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(STRINGS ${build}/CMakeCache.txt admit_dir_line REGEX "^admit_DIR:")
string(FIND "${admit_dir_line}" "${prefix}/" at)
if(NOT at GREATER -1)
  message(FATAL_ERROR "find_package(admit) did not use the installed prefix: ${admit_dir_line}")
endif()
run("build (find_package)" ${CMAKE_COMMAND} --build ${build} --config ${CONFIG})
run("run (find_package)" ${build}/embed ${policy})
check_output("embed (find_package)")

# 3. pkg-config.
if(PKG_CONFIG AND pc_files)
  list(GET pc_files 0 pc_file)
  get_filename_component(pc_dir ${pc_file} DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pc_dir})
  run("pkg-config" ${PKG_CONFIG} --cflags --libs --static admit)
  string(STRIP "${last_output}" pc_flags)
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  separate_arguments(extra_flags UNIX_COMMAND "${CXX_FLAGS}")
  run("compile (pkg-config)" ${CXX_COMPILER} -std=c++20 ${extra_flags}
    "-DADMIT_EXAMPLE_POLICY=\"${policy}\"" ${example}/main.cpp ${pc_flags}
    -o ${WORK_DIR}/embed-pkg-config)
  run("run (pkg-config)" ${WORK_DIR}/embed-pkg-config)
  check_output("embed (pkg-config)")
elseif(NOT pc_files)
  message(FATAL_ERROR "no admit.pc under ${prefix}")
else()
  message(STATUS "pkg-config not found: skipping the pkg-config consumer")
endif()

# 4. The build tree's own export.
set(build ${WORK_DIR}/build-tree)
run("configure (build tree)" ${CMAKE_COMMAND} -S ${example} -B ${build} ${common_args}
  -Dadmit_DIR=${ADMIT_BINARY_DIR}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run("build (build tree)" ${CMAKE_COMMAND} --build ${build} --config ${CONFIG})
run("run (build tree)" ${build}/embed ${policy})
check_output("embed (build tree)")

message(STATUS "consumer test passed")
