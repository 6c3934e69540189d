// Runs headscope-cli as a user does and keeps what it printed: the helper every CLI suite shares.
#pragma once
#include <QByteArray>
#include <QProcess>
#include <QStringList>

namespace headscope::testing {

struct CliRun {
    int exitCode = -1;  // -1: did not finish in time; -2: crashed
    QByteArray out, err;
};

// `input` is written to standard input, which is then closed.
inline CliRun runCli(const QStringList& args, const QByteArray& input = {}, int timeoutMs = 600000) {
    QProcess process;
    process.start(QStringLiteral(HEADSCOPE_CLI_PATH), args);
    process.write(input);
    process.closeWriteChannel();
    CliRun run;
    if (!process.waitForFinished(timeoutMs)) return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

}  // namespace headscope::testing
