#pragma once

namespace headscope {

// The version of HeadScope, as CMake's project() declares it.
const char* headscopeVersion();

}  // namespace headscope
