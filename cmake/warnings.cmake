# Warnings for the project's own targets (not for libtorch's headers).
function(nst_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()
