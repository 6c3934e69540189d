// The rescale panel: perception / reasoning toggles, gain sliders, thresholds and depth limits of the
// identification rule, the live count and fraction of selected heads, and Apply.
#pragma once
#include <QWidget>

#include "headscope/head_classes.h"

class QCheckBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace headscope::widgets {

class RescalePanel : public QWidget {
    Q_OBJECT

public:
    explicit RescalePanel(QWidget* parent = nullptr);

    FacRule rule() const;
    void setRule(const FacRule& rule);  // emits nothing
    void setLayerCount(int layers);     // bounds of the depth-limit boxes
    // What the rule selects on the current S_v table, shown live.
    void setSelectionSummary(int perception, int reasoning, int total);
    void setApplyEnabled(bool enabled);

signals:
    void ruleChanged(const headscope::FacRule& rule);
    void applyRequested();

private:
    QGroupBox* buildPerceptionGroup();
    QGroupBox* buildReasoningGroup();
    QGroupBox* buildOtherGroup();
    void connectControls();
    void emitRule();

    QCheckBox* enhancePerception_ = nullptr;
    QCheckBox* enhanceReasoning_ = nullptr;
    QCheckBox* attenuateOthers_ = nullptr;
    QSlider* perceptionGain_ = nullptr;  // gain x 100
    QSlider* reasoningGain_ = nullptr;
    QSlider* otherGain_ = nullptr;
    QDoubleSpinBox* perceptionThreshold_ = nullptr;
    QDoubleSpinBox* reasoningThreshold_ = nullptr;
    QSpinBox* perceptionMaxLayer_ = nullptr;
    QSpinBox* reasoningMinLayer_ = nullptr;
    QLabel* summary_ = nullptr;
    QPushButton* apply_ = nullptr;
};

}  // namespace headscope::widgets
