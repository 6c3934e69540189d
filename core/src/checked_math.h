// Products of sizes read from files. A product that wraps past int64 can pass a later size check and then
// index far outside a buffer, so every product of untrusted sizes goes through here.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace headscope {

// The product of non-negative factors, or nothing when one is negative or the product exceeds int64.
inline std::optional<int64_t> checkedProduct(std::initializer_list<int64_t> factors) {
    int64_t product = 1;
    for (int64_t factor : factors) {
        if (factor < 0 || __builtin_mul_overflow(product, factor, &product)) return std::nullopt;
    }
    return product;
}

}  // namespace headscope
