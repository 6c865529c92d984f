// The jittered backoff moved to common/backoff.h (one for every retry in ironlb); these names
// stay for the Kubernetes client's callers.
#pragma once

#include "common/backoff.h"

namespace ironlb::kube {

using BackoffPolicy = ::ironlb::BackoffPolicy;
using Backoff = ::ironlb::Backoff;

}  // namespace ironlb::kube
