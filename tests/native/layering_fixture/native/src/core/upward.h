#pragma once
#include "runtime/context.h"  // up: core is the bottom layer
