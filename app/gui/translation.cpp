#include "translation.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace headscope::gui {

QTranslator* installTranslation(const QString& language) {
    auto* translator = new QTranslator(QCoreApplication::instance());
    const QLocale locale = language.isEmpty() ? QLocale() : QLocale(language);
    if (!translator->load(locale, "headscope", "_", ":/i18n")) {
        delete translator;
        return nullptr;
    }
    QCoreApplication::installTranslator(translator);
    return translator;
}

}  // namespace headscope::gui
