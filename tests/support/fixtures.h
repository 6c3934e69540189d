// Locations of the shared reference fixtures and of test data; tests skip cleanly when the
// shared fixtures are absent (a user's fresh clone has no ../shared).
#pragma once
#include <QtTest/QtTest>
#include <QDir>
#include <QFileInfo>
#include <QString>
#include <string>

namespace headscope::testing {

// HEADSCOPE_FIXTURES=DIR overrides the folder the build was configured with.
inline QString fixturesRoot() {
    const QByteArray override = qgetenv("HEADSCOPE_FIXTURES");
    return override.isEmpty() ? QStringLiteral(HEADSCOPE_FIXTURES_DIR) : QString::fromLocal8Bit(override);
}
inline QString fixturePath(const QString& name) { return QDir(fixturesRoot()).filePath(name); }

// HEADSCOPE_REQUIRE_FIXTURES=1 (CI sets it): a missing fixture fails the test instead of skipping it.
inline bool fixturesRequired() { return qgetenv("HEADSCOPE_REQUIRE_FIXTURES") == "1"; }
inline std::string fixtureDir(const QString& name) { return fixturePath(name).toStdString(); }
inline QString testDataPath(const QString& name) {
    return QDir(QStringLiteral(HEADSCOPE_TEST_DATA_DIR)).filePath(name);
}

}  // namespace headscope::testing

// Skips the current test function when a shared fixture folder is missing; fails it instead when fixtures
// are required. ctest reports a suite whose functions skipped as skipped (SKIP_REGULAR_EXPRESSION).
#define HEADSCOPE_REQUIRE_FIXTURE(name)                                                                      \
    do {                                                                                                     \
        const QString fixture_ = headscope::testing::fixturePath(QStringLiteral(name));                      \
        if (!QFileInfo(fixture_).isDir()) {                                                                  \
            const QString why_ = QStringLiteral("shared fixture '%1' not found at %2 (it sits in ../shared " \
                                                "beside the checkout, or set HEADSCOPE_FIXTURES=DIR)")       \
                                     .arg(QStringLiteral(name), fixture_);                                   \
            if (headscope::testing::fixturesRequired()) QFAIL(qPrintable(why_));                             \
            QSKIP(qPrintable(why_));                                                                         \
        }                                                                                                    \
    } while (0)
