// Precompiled header for core's sources: LibTorch is by far the heaviest include.
#pragma once
#include <torch/torch.h>
