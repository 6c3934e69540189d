// The interface language. The zh_CN translation is compiled into the app as :/i18n/headscope_zh_CN.qm.
#pragma once
#include <QString>

class QTranslator;

namespace headscope::gui {

// Loads HeadScope's translation for `language` (a locale name such as "zh_CN"; empty: the system's locale) and
// installs it on the application, which owns it. Returns it, or nullptr when there is none for that language
// (the interface stays in English). Call it before the window is built: the window sets its texts once.
QTranslator* installTranslation(const QString& language);

}  // namespace headscope::gui
