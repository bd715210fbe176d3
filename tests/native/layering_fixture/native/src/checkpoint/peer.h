#pragma once
#include "host/threads.h"  // sideways: checkpoint and host are peers
