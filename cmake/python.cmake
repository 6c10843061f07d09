# Finds a Python that imports torch of the libtorch nst builds on (same major.minor) and a
# pybind11 CMake package: the Python module (python/) builds only when both are there.
# Candidates: Python3_EXECUTABLE when given (setup.py passes its own), else python3 on PATH,
# then /usr/bin/python3 (Debian's, with python3-torch; a pyenv python3 usually lacks torch).
function(nst_find_torch_python found_var)
  set(candidates ${Python3_EXECUTABLE})
  if(NOT candidates)
    find_program(NST_PATH_PYTHON3 python3)
    set(candidates ${NST_PATH_PYTHON3} /usr/bin/python3)
  endif()
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" torch_minor "${Torch_VERSION}")
  set(found OFF)
  list(REMOVE_DUPLICATES candidates)
  foreach(python ${candidates})
    execute_process(COMMAND ${python} -c "import torch; print(torch.__version__)"
                    OUTPUT_VARIABLE version RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0 AND version MATCHES "^${torch_minor}\\.")
      set(Python3_EXECUTABLE ${python} CACHE FILEPATH "Python with torch, for the nst module" FORCE)
      # Python3 first: pybind11's config then uses it (else it searches for its own, on PATH).
      find_package(Python3 QUIET COMPONENTS Interpreter Development.Module)
      find_package(pybind11 CONFIG QUIET)
      if(pybind11_FOUND)
        set(found ON)
      else()
        message(STATUS "nst Python module: ${python} has torch ${version}, but no pybind11 CMake package (pybind11-dev)")
      endif()
      break()
    elseif(rc EQUAL 0)
      message(STATUS "nst Python module: ${python} has torch ${version}, libtorch is ${Torch_VERSION}; skipped")
    endif()
  endforeach()
  set(${found_var} ${found} PARENT_SCOPE)
endfunction()
