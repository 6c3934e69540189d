// Small text helpers shared by the dataset reader and the answer extraction (ASCII case rules: answers,
// option letters and numbers are ASCII; other bytes pass through unchanged).
#pragma once
#include <optional>
#include <string>

namespace headscope::eval_text {

std::string trim(const std::string& text);
std::string toLower(std::string text);
std::string toUpper(std::string text);

// A plain number as answers write it: optional sign, digits with optional thousands commas, optional
// decimals ("-1,234.5", ".5", "12"), or a fraction of two integers ("3/4"). Surrounding spaces are allowed;
// anything else fails.
std::optional<double> parseNumber(const std::string& text);

// Digits after the decimal point of a number as written ("3.50" -> 2, "12" -> 0, "3/4" -> -1: exact).
int decimalPlaces(const std::string& number);

// A file-name stem for a question: its number, then the id with anything but letters, digits, '-' and '_'
// turned into '_' (at most 60 characters); the number keeps ids that map to the same text apart.
std::string fileStem(const std::string& id, size_t number);

}  // namespace headscope::eval_text
