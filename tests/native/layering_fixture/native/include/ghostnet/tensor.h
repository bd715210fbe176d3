#pragma once
#include "ghostnet/model.h"  // up: tensor.h is a core header, model.h a runtime one
