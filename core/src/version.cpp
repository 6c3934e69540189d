#include "headscope/version.h"

namespace headscope {

const char* headscopeVersion() { return HEADSCOPE_VERSION; }

}  // namespace headscope
