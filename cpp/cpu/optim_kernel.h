// The out-of-line marker of the fused optimizer kernels' element loops (cpu/optim_*.cpp). The
// element formulas and the flag dispatch they share with the GPU's kernels are in
// core/optim_formulas.h and core/optim_element_formulas.h.
#pragma once

#include "core/optim_formulas.h"

// Marks the per-element loops of the steps: kept out of line, so that their __restrict pointer
// parameters still hold when the compiler vectorizes them (inlined into the dispatch lambdas, GCC
// loses them and leaves the loops scalar).
#define CR_OPTIM_KERNEL __attribute__((noinline))
