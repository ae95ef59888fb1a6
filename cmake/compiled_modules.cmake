# The compiled hot modules of the system layer and analytical backends: each .py is translated
# by Cython (typed by the .pxd beside it) and built as an extension module installed beside the
# .py, which Python then prefers. The list and the Cython directives live in
# astrasim_py/_compiled.py; scripts/build_compiled.py does the same for a source checkout.
enable_language(C)
find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
          "import sys; sys.path.insert(0, sys.argv[1]); from astrasim_py._compiled import COMPILED_MODULES as m, CYTHON_DIRECTIVES as d; print(';'.join(m)); print(','.join(f'{k}={v}' for k, v in d.items()))"
          "${CMAKE_CURRENT_SOURCE_DIR}"
  OUTPUT_VARIABLE _compiled_out OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _compiled_rc)
if(NOT _compiled_rc EQUAL 0)
  message(FATAL_ERROR "could not read astrasim_py/_compiled.py with ${Python_EXECUTABLE}")
endif()
string(REPLACE "\n" ";" _compiled_lines "${_compiled_out}")
list(GET _compiled_lines -1 ASTRASIM_PY_CYTHON_DIRECTIVES)
list(REMOVE_AT _compiled_lines -1)
set(ASTRASIM_PY_COMPILED_MODULES ${_compiled_lines})
file(GLOB _compiled_pxd "${CMAKE_CURRENT_SOURCE_DIR}/astrasim_py/*/*.pxd")
foreach(module IN LISTS ASTRASIM_PY_COMPILED_MODULES)
  string(REPLACE "." "/" _rel "${module}")
  get_filename_component(_dir "${_rel}" DIRECTORY)
  get_filename_component(_name "${_rel}" NAME)
  string(REPLACE "." "_" _target "cy_${module}")
  set(_c "${CMAKE_CURRENT_BINARY_DIR}/cython/${_rel}.c")
  add_custom_command(
    OUTPUT "${_c}"
    COMMAND "${Python_EXECUTABLE}" -m cython --module-name "${module}" -X "${ASTRASIM_PY_CYTHON_DIRECTIVES}"
            -I "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/${_rel}.py" -o "${_c}"
    DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${_rel}.py" ${_compiled_pxd}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "Cython ${module}")
  Python_add_library(${_target} MODULE WITH_SOABI "${_c}")
  set_target_properties(${_target} PROPERTIES OUTPUT_NAME "${_name}")
  target_compile_options(${_target} PRIVATE -O2)
  install(TARGETS ${_target} LIBRARY DESTINATION "${_dir}" COMPONENT compiled_modules)
endforeach()
