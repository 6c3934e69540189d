#include "rescale_panel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace headscope::widgets {

namespace {

// Gains are edited in hundredths: slider value v means gain v / 100.
constexpr int kGainScale = 100;
constexpr int kMinGainSteps = 50;
constexpr int kMaxGainSteps = 300;
// Depth limits before the model's layer count is known.
constexpr int kUnknownMaxLayer = 255;
// Above this fraction of selected heads the paper reports worse answers.
constexpr double kSelectionWarningPercent = 18.0;

int gainToSteps(double gain) { return static_cast<int>(std::lround(gain * kGainScale)); }
double stepsToGain(int steps) { return steps / static_cast<double>(kGainScale); }

QSlider* makeGainSlider(const QString& name, const QString& accessibleName, const QString& toolTip) {
    auto* slider = new QSlider(Qt::Horizontal);
    slider->setObjectName(name);
    slider->setRange(kMinGainSteps, kMaxGainSteps);
    slider->setSingleStep(1);
    slider->setPageStep(10);
    slider->setTickInterval(50);
    slider->setTickPosition(QSlider::TicksBelow);
    slider->setFocusPolicy(Qt::StrongFocus);
    slider->setAccessibleName(accessibleName);
    slider->setToolTip(toolTip);
    return slider;
}

QDoubleSpinBox* makeThresholdBox(const QString& name, const QString& accessibleName, const QString& toolTip) {
    auto* box = new QDoubleSpinBox;
    box->setObjectName(name);
    box->setRange(0.0, 1.0);
    box->setSingleStep(0.01);
    box->setDecimals(3);
    box->setKeyboardTracking(false);  // one change per committed edit, not per keystroke
    box->setAccessibleName(accessibleName);
    box->setToolTip(toolTip);
    return box;
}

QSpinBox* makeLayerBox(const QString& name, const QString& accessibleName, const QString& toolTip) {
    auto* box = new QSpinBox;
    box->setObjectName(name);
    box->setRange(0, kUnknownMaxLayer);
    box->setKeyboardTracking(false);
    box->setAccessibleName(accessibleName);
    box->setToolTip(toolTip);
    return box;
}

QCheckBox* makeCheckBox(const QString& name, const QString& text, const QString& toolTip) {
    auto* box = new QCheckBox(text);
    box->setObjectName(name);
    box->setToolTip(toolTip);
    return box;
}

// The slider with a label that shows its gain; the pair is enabled only while `toggle` is checked.
QWidget* gainRow(QSlider* slider, QCheckBox* toggle) {
    auto* row = new QWidget;
    auto* valueLabel = new QLabel;
    valueLabel->setMinimumWidth(valueLabel->fontMetrics().horizontalAdvance(QStringLiteral("×0.000")));
    const auto showGain = [valueLabel](int steps) {
        valueLabel->setText(QStringLiteral("×") + QLocale().toString(stepsToGain(steps), 'f', 2));
    };
    QObject::connect(slider, &QSlider::valueChanged, valueLabel, showGain);
    QObject::connect(toggle, &QCheckBox::toggled, row, &QWidget::setEnabled);
    showGain(slider->value());
    row->setEnabled(toggle->isChecked());
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slider, 1);
    layout->addWidget(valueLabel);
    return row;
}

}  // namespace

RescalePanel::RescalePanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildPerceptionGroup());
    layout->addWidget(buildReasoningGroup());
    layout->addWidget(buildOtherGroup());

    summary_ = new QLabel(tr("No visual-share table yet"));
    summary_->setObjectName(QStringLiteral("selectionSummary"));
    summary_->setWordWrap(true);
    summary_->setToolTip(tr("Heads the rule selects on the current visual-share table. The paper selects "
                            "about 6% of heads; selecting more than about 18% hurts the answers."));
    layout->addWidget(summary_);

    apply_ = new QPushButton(tr("Apply"));
    apply_->setObjectName(QStringLiteral("applyButton"));
    apply_->setToolTip(tr("Generate the answer again with these gains and compare it with the baseline."));
    layout->addWidget(apply_);
    layout->addStretch(1);

    setRule(FacRule{});
    connectControls();
}

QGroupBox* RescalePanel::buildPerceptionGroup() {
    enhancePerception_ = makeCheckBox(QStringLiteral("perceptionEnabled"), tr("Enhance"),
                                      tr("Multiply the output of every perception head by the perception "
                                         "gain before the output projection."));
    perceptionGain_ = makeGainSlider(QStringLiteral("perceptionGain"), tr("Perception gain"),
                                     tr("g_perc: gain of the perception heads (paper default 1.16)."));
    perceptionThreshold_ = makeThresholdBox(
        QStringLiteral("perceptionThreshold"), tr("Perception threshold"),
        tr("tau_perc: a head is a perception head when its visual share S_v (the attention of the query "
           "token summed over the image tokens) is at least this value."));
    perceptionMaxLayer_ =
        makeLayerBox(QStringLiteral("perceptionMaxLayer"), tr("Perception depth limit"),
                     tr("l_perc: perception heads are taken from layer 0 up to this layer."));

    auto* group = new QGroupBox(tr("Perception heads"));
    auto* form = new QFormLayout(group);
    form->addRow(enhancePerception_);
    form->addRow(tr("Gain"), gainRow(perceptionGain_, enhancePerception_));
    form->addRow(tr("Threshold (S_v ≥)"), perceptionThreshold_);
    form->addRow(tr("Up to layer"), perceptionMaxLayer_);
    return group;
}

QGroupBox* RescalePanel::buildReasoningGroup() {
    enhanceReasoning_ = makeCheckBox(QStringLiteral("reasoningEnabled"), tr("Enhance"),
                                     tr("Multiply the output of every reasoning head by the reasoning gain "
                                        "before the output projection."));
    reasoningGain_ = makeGainSlider(QStringLiteral("reasoningGain"), tr("Reasoning gain"),
                                    tr("g_reas: gain of the reasoning heads (paper default 1.30)."));
    reasoningThreshold_ = makeThresholdBox(
        QStringLiteral("reasoningThreshold"), tr("Reasoning threshold"),
        tr("tau_reas: a head is a reasoning head when its visual share S_v is at most this value, "
           "i.e. it hardly looks at the image."));
    reasoningMinLayer_ =
        makeLayerBox(QStringLiteral("reasoningMinLayer"), tr("Reasoning depth limit"),
                     tr("l_reas: reasoning heads are taken from this layer to the last one."));

    auto* group = new QGroupBox(tr("Reasoning heads"));
    auto* form = new QFormLayout(group);
    form->addRow(enhanceReasoning_);
    form->addRow(tr("Gain"), gainRow(reasoningGain_, enhanceReasoning_));
    form->addRow(tr("Threshold (S_v ≤)"), reasoningThreshold_);
    form->addRow(tr("From layer"), reasoningMinLayer_);
    return group;
}

QGroupBox* RescalePanel::buildOtherGroup() {
    attenuateOthers_ = makeCheckBox(QStringLiteral("attenuateOthers"), tr("Attenuate"),
                                    tr("Scale every head that is neither a perception nor a reasoning head "
                                       "by the gain below (an ablation of the paper; below 1 attenuates)."));
    otherGain_ = makeGainSlider(QStringLiteral("otherGain"), tr("Gain of other heads"),
                                tr("Gain of all heads outside both classes."));

    auto* group = new QGroupBox(tr("Other heads"));
    auto* form = new QFormLayout(group);
    form->addRow(attenuateOthers_);
    form->addRow(tr("Gain"), gainRow(otherGain_, attenuateOthers_));
    return group;
}

void RescalePanel::connectControls() {
    for (QCheckBox* box : {enhancePerception_, enhanceReasoning_, attenuateOthers_}) {
        connect(box, &QCheckBox::toggled, this, &RescalePanel::emitRule);
    }
    for (QSlider* slider : {perceptionGain_, reasoningGain_, otherGain_}) {
        connect(slider, &QSlider::valueChanged, this, &RescalePanel::emitRule);
    }
    for (QDoubleSpinBox* box : {perceptionThreshold_, reasoningThreshold_}) {
        connect(box, &QDoubleSpinBox::valueChanged, this, &RescalePanel::emitRule);
    }
    for (QSpinBox* box : {perceptionMaxLayer_, reasoningMinLayer_}) {
        connect(box, &QSpinBox::valueChanged, this, &RescalePanel::emitRule);
    }
    connect(apply_, &QPushButton::clicked, this, &RescalePanel::applyRequested);
}

FacRule RescalePanel::rule() const {
    FacRule rule;
    rule.perceptionMaxLayer = perceptionMaxLayer_->value();
    rule.reasoningMinLayer = reasoningMinLayer_->value();
    rule.perceptionMinShare = perceptionThreshold_->value();
    rule.reasoningMaxShare = reasoningThreshold_->value();
    rule.perceptionGain = stepsToGain(perceptionGain_->value());
    rule.reasoningGain = stepsToGain(reasoningGain_->value());
    rule.enhancePerception = enhancePerception_->isChecked();
    rule.enhanceReasoning = enhanceReasoning_->isChecked();
    rule.attenuateOthers = attenuateOthers_->isChecked();
    rule.otherGain = stepsToGain(otherGain_->value());
    return rule;
}

// Blocking this panel's own signals (not the controls') keeps the gain labels and enabled states in step.
void RescalePanel::setRule(const FacRule& rule) {
    const QSignalBlocker blocker(this);
    perceptionMaxLayer_->setValue(static_cast<int>(rule.perceptionMaxLayer));
    reasoningMinLayer_->setValue(static_cast<int>(rule.reasoningMinLayer));
    perceptionThreshold_->setValue(rule.perceptionMinShare);
    reasoningThreshold_->setValue(rule.reasoningMaxShare);
    perceptionGain_->setValue(gainToSteps(rule.perceptionGain));
    reasoningGain_->setValue(gainToSteps(rule.reasoningGain));
    otherGain_->setValue(gainToSteps(rule.otherGain));
    enhancePerception_->setChecked(rule.enhancePerception);
    enhanceReasoning_->setChecked(rule.enhanceReasoning);
    attenuateOthers_->setChecked(rule.attenuateOthers);
}

// Narrowing the range may clamp a depth limit; that is a real change of the rule, reported once.
void RescalePanel::setLayerCount(int layers) {
    const int lastLayer = std::max(0, layers - 1);
    const int perceptionBefore = perceptionMaxLayer_->value();
    const int reasoningBefore = reasoningMinLayer_->value();
    {
        const QSignalBlocker blocker(this);
        perceptionMaxLayer_->setRange(0, lastLayer);
        reasoningMinLayer_->setRange(0, lastLayer);
    }
    if (perceptionMaxLayer_->value() != perceptionBefore || reasoningMinLayer_->value() != reasoningBefore) {
        emitRule();
    }
}

void RescalePanel::setSelectionSummary(int perception, int reasoning, int total) {
    if (total <= 0) {
        summary_->setText(tr("No visual-share table yet"));
        return;
    }
    const double percent = 100.0 * (perception + reasoning) / total;
    QString text = tr("Selected: %1 perception, %2 reasoning — %3% of %n heads", nullptr, total)
                       .arg(perception)
                       .arg(reasoning)
                       .arg(QLocale().toString(percent, 'f', 1));
    if (percent > kSelectionWarningPercent) {
        text += QLatin1Char('\n') + tr("More than about 18% of heads: the paper reports worse answers.");
    }
    summary_->setText(text);
}

void RescalePanel::setApplyEnabled(bool enabled) { apply_->setEnabled(enabled); }

void RescalePanel::emitRule() { emit ruleChanged(rule()); }

}  // namespace headscope::widgets
