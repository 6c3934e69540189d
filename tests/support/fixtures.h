// Locations of the shared reference fixtures and of test data; tests skip cleanly when the
// shared fixtures are absent (a user's fresh clone has no ../shared).
#pragma once
#include <QtTest/QtTest>
#include <QDir>
#include <QFileInfo>
#include <QString>
#include <string>

namespace headscope::testing {

inline QString fixturePath(const QString& name) {
    return QDir(QStringLiteral(HEADSCOPE_FIXTURES_DIR)).filePath(name);
}
inline std::string fixtureDir(const QString& name) { return fixturePath(name).toStdString(); }
inline QString testDataPath(const QString& name) {
    return QDir(QStringLiteral(HEADSCOPE_TEST_DATA_DIR)).filePath(name);
}

}  // namespace headscope::testing

// Skips the current test function when a shared fixture folder is missing.
#define HEADSCOPE_REQUIRE_FIXTURE(name)                                                          \
    do {                                                                                         \
        if (!QFileInfo(headscope::testing::fixturePath(QStringLiteral(name))).isDir())           \
            QSKIP(qPrintable(QStringLiteral("shared fixture '%1' not found at %2 (it sits in "   \
                                            "../shared beside the checkout; CI always has it)")  \
                                 .arg(QStringLiteral(name),                                      \
                                      headscope::testing::fixturePath(QStringLiteral(name))))); \
    } while (0)
