# chainrule_stable_includes(target name): copies the headers that an imported target brings from a
# Python package (pybind11, the scipy-openblas32 wheel) into the build tree, under
# env_include/<name>, and points the target there.
#
# Why: pip builds in an isolated environment, a new temporary directory each time. With those
# packages' own paths in every compile command, the test command (which builds in the same tree
# as the README's `pip install`, adding the C++ tests) saw new commands and recompiled the whole
# core. Copies that are rewritten only when their content changes keep the commands and the
# headers' timestamps the same, so the second build compiles only the tests.
function(chainrule_stable_includes target name)
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT dirs)
    message(FATAL_ERROR "chainrule_stable_includes: ${target} has no include directories")
  endif()
  set(stable_dirs "")
  set(index 0)
  foreach(dir IN LISTS dirs)
    if(dir MATCHES "^\\$<" OR NOT IS_DIRECTORY "${dir}")
      list(APPEND stable_dirs "${dir}")  # a generator expression or a missing directory: as it was
      continue()
    endif()
    set(copy "${CMAKE_BINARY_DIR}/env_include/${name}/${index}")
    file(GLOB_RECURSE headers RELATIVE "${dir}" "${dir}/*")
    foreach(header IN LISTS headers)
      get_filename_component(header_dir "${copy}/${header}" DIRECTORY)
      file(MAKE_DIRECTORY "${header_dir}")
      file(COPY_FILE "${dir}/${header}" "${copy}/${header}" ONLY_IF_DIFFERENT)
    endforeach()
    list(APPEND stable_dirs "${copy}")
    math(EXPR index "${index} + 1")
  endforeach()
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${stable_dirs}")
endfunction()
