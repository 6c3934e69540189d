// A check shared by the suites: an action must throw InvalidInputError whose message names the problem.
#pragma once
#include <QtTest/QtTest>

#include <functional>
#include <string>

#include "headscope/error.h"

namespace headscope::testing {

// Runs `action`, which must throw InvalidInputError whose message contains `fragment`.
inline void expectInvalid(const std::function<void()>& action, const std::string& fragment) {
    try {
        action();
    } catch (const InvalidInputError& e) {
        const std::string message = e.what();
        QVERIFY2(message.find(fragment) != std::string::npos,
                 qPrintable(QStringLiteral("message '%1' lacks '%2'")
                                .arg(QString::fromStdString(message), QString::fromStdString(fragment))));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("no InvalidInputError (expected one mentioning '%1')")
                         .arg(QString::fromStdString(fragment))));
}

}  // namespace headscope::testing
