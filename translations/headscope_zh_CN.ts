<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <location filename="../widgets/sweep_plots.cpp" line="80"/>
        <source>95% interval</source>
        <translation>95% 置信区间</translation>
    </message>
    <message>
        <location filename="../widgets/sweep_plots.cpp" line="86"/>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../widgets/sweep_plots.cpp" line="96"/>
        <location filename="../widgets/sweep_plots.cpp" line="141"/>
        <source>accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <location filename="../widgets/sweep_plots.cpp" line="140"/>
        <source>accuracy (%); %1 %2</source>
        <translation>准确率 (%)；%1 %2</translation>
    </message>
</context>
<context>
    <name>headscope::gui::MainWindow</name>
    <message>
        <location filename="../app/gui/main_window.cpp" line="42"/>
        <source>HeadScope</source>
        <translation>HeadScope</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="48"/>
        <source>Loading model: %1</source>
        <translation>正在加载模型：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="58"/>
        <source>Analysis failed: %1</source>
        <translation>分析失败：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="78"/>
        <source>Drop an image here, or use File &gt; Open Image</source>
        <translation>将图像拖放到此处，或使用“文件 &gt; 打开图像”</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="87"/>
        <source>Opacity of the attention map over the image</source>
        <translation>图像上注意力图的不透明度</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="96"/>
        <source>Map opacity</source>
        <translation>图层不透明度</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="102"/>
        <source>Ask about the image…</source>
        <translation>就这张图像提问…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="103"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="105"/>
        <source>Run the model on the image and prompt (Ctrl+Return)</source>
        <translation>用图像和提示运行模型 (Ctrl+Return)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="106"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="108"/>
        <source>Stop the running generation (Esc)</source>
        <translation>停止正在进行的生成 (Esc)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="114"/>
        <source>Prompt</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="135"/>
        <source>Click a generated token to see where it looked.</source>
        <translation>点击一个生成的词元，查看它关注了哪里。</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="140"/>
        <source>Selected head</source>
        <translation>选中的注意力头</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="141"/>
        <source>Perception heads (mean)</source>
        <translation>感知头（平均）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="142"/>
        <source>Reasoning heads (mean)</source>
        <translation>推理头（平均）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="143"/>
        <source>All heads (mean)</source>
        <translation>所有注意力头（平均）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="144"/>
        <source>All heads (weighted by |contribution|)</source>
        <translation>所有注意力头（按 |贡献| 加权）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="145"/>
        <source>Whose attention the image and token maps show</source>
        <translation>图像图和词元图显示哪些注意力头的注意力</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="155"/>
        <source>Maps of</source>
        <translation>注意力图来源</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="164"/>
        <source>Reasoning</source>
        <translation>推理</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="165"/>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="172"/>
        <source>Visual share S_v</source>
        <translation>视觉占比 S_v</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="173"/>
        <source>Contribution d log p / d gate</source>
        <translation>贡献 d log p / d gate</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="174"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="175"/>
        <source>Gain</source>
        <translation>增益</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="187"/>
        <source>layer %1, head %2: %3</source>
        <translation>第 %1 层，第 %2 头：%3</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="195"/>
        <source>Heads</source>
        <translation>注意力头</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="221"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="233"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="234"/>
        <source>Open &amp;Model Folder…</source>
        <translation>打开模型文件夹(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="235"/>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="236"/>
        <source>Recent Models</source>
        <translation>最近的模型</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="237"/>
        <source>Open &amp;Image…</source>
        <translation>打开图像(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="239"/>
        <source>&amp;Paste Image</source>
        <translation>粘贴图像(&amp;P)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="240"/>
        <source>Ctrl+Shift+V</source>
        <translation>Ctrl+Shift+V</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="241"/>
        <source>Recent Images</source>
        <translation>最近的图像</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="243"/>
        <source>Open E&amp;valuation Results…</source>
        <translation>打开评测结果(&amp;V)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="244"/>
        <source>Ctrl+Shift+E</source>
        <translation>Ctrl+Shift+E</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="245"/>
        <source>Import Head &amp;Profile…</source>
        <translation>导入注意力头配置(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="246"/>
        <source>Ctrl+Shift+I</source>
        <translation>Ctrl+Shift+I</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="247"/>
        <source>&amp;Export Head Profile…</source>
        <translation>导出注意力头配置(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="249"/>
        <source>Export Heat Map (PNG/SVG)…</source>
        <translation>导出热图 (PNG/SVG)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="250"/>
        <source>Export Image Overlay (PNG)…</source>
        <translation>导出图像叠加图 (PNG)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="251"/>
        <source>Export Head Table (CSV)…</source>
        <translation>导出注意力头表格 (CSV)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="252"/>
        <source>Export Log-probability Plot (PNG/SVG)…</source>
        <translation>导出对数概率图 (PNG/SVG)…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="254"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="257"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="258"/>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="260"/>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="262"/>
        <source>&amp;Apply Rescaling</source>
        <translation>应用缩放(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="263"/>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="265"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="266"/>
        <source>&amp;About HeadScope</source>
        <translation>关于 HeadScope(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="267"/>
        <source>About HeadScope</source>
        <translation>关于 HeadScope</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="268"/>
        <source>&lt;b&gt;HeadScope %1&lt;/b&gt;&lt;p&gt;Finds the attention heads that look at the image and the ones that carry the reasoning, and rescales them live (Functional Attention Control, arXiv 2510.10285).&lt;/p&gt;</source>
        <translation>&lt;b&gt;HeadScope %1&lt;/b&gt;&lt;p&gt;找出关注图像的注意力头和承载推理的注意力头，并实时缩放它们（功能注意力控制，arXiv 2510.10285）。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="276"/>
        <location filename="../app/gui/main_window.cpp" line="282"/>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="277"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="278"/>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="279"/>
        <source>Device of the next model load (auto: CUDA when present)</source>
        <translation>下次加载模型使用的设备（自动：有 CUDA 时使用 CUDA）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="286"/>
        <source>Precision of the next model load (auto: bf16 on CUDA, fp32 on CPU)</source>
        <translation>下次加载模型使用的精度（自动：CUDA 上为 bf16，CPU 上为 fp32）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="288"/>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="290"/>
        <source> Device </source>
        <translation> 设备 </translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="292"/>
        <source> Precision </source>
        <translation> 精度 </translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="402"/>
        <source>Open a Hugging Face model folder</source>
        <translation>打开 Hugging Face 模型文件夹</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="408"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="421"/>
        <source>Open an image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="422"/>
        <source>Images (%1)</source>
        <translation>图像 (%1)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="434"/>
        <source>Cannot open image</source>
        <translation>无法打开图像</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="442"/>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图像。</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="445"/>
        <source>pasted image</source>
        <translation>粘贴的图像</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="455"/>
        <source>%1 — %2 x %3 px</source>
        <translation>%1 — %2 x %3 像素</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window.cpp" line="460"/>
        <source>, seen as %1 x %2 px = %3 x %4 image tokens</source>
        <translation>，模型看到 %1 x %2 像素 = %3 x %4 个图像词元</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="41"/>
        <source>Saved head profile %1</source>
        <translation>已保存注意力头配置 %1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="44"/>
        <source>Cannot save the profile</source>
        <translation>无法保存配置</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="53"/>
        <source>profile &apos;%1&apos; was made for a model with %2 layers x %3 heads; the loaded model &apos;%4&apos; has %5 x %6</source>
        <translation>配置“%1”适用于 %2 层 x %3 头的模型；已加载的模型“%4”为 %5 x %6</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="67"/>
        <source>Using the heads and gains of profile %1</source>
        <translation>正在使用配置 %1 的注意力头和增益</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="70"/>
        <source>Cannot use the profile</source>
        <translation>无法使用该配置</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="76"/>
        <source>Export head profile</source>
        <translation>导出注意力头配置</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="77"/>
        <source>Head profiles (*.json)</source>
        <translation>注意力头配置 (*.json)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="82"/>
        <source>Import head profile</source>
        <translation>导入注意力头配置</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="83"/>
        <source>Head profiles (*.json *.safetensors)</source>
        <translation>注意力头配置 (*.json *.safetensors)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="88"/>
        <source>Export heat map</source>
        <translation>导出热图</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="89"/>
        <location filename="../app/gui/main_window_export.cpp" line="129"/>
        <source>PNG image (*.png);;SVG drawing (*.svg)</source>
        <translation>PNG 图像 (*.png);;SVG 矢量图 (*.svg)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="92"/>
        <location filename="../app/gui/main_window_export.cpp" line="100"/>
        <location filename="../app/gui/main_window_export.cpp" line="109"/>
        <location filename="../app/gui/main_window_export.cpp" line="124"/>
        <location filename="../app/gui/main_window_export.cpp" line="133"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="92"/>
        <location filename="../app/gui/main_window_export.cpp" line="100"/>
        <location filename="../app/gui/main_window_export.cpp" line="133"/>
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="97"/>
        <source>Export image overlay</source>
        <translation>导出图像叠加图</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="97"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="105"/>
        <source>Export head table</source>
        <translation>导出注意力头表格</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="105"/>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_export.cpp" line="128"/>
        <source>Export log-probability plot</source>
        <translation>导出对数概率图</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="45"/>
        <source>Nothing to ask</source>
        <translation>没有问题</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="45"/>
        <source>Type a prompt first.</source>
        <translation>请先输入提示。</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="83"/>
        <source>Rescaled run…</source>
        <translation>缩放后运行…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="83"/>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="96"/>
        <source>%1 (%2) — %3 layers x %4 heads, %5 M parameters, %6 MB, %7 %8</source>
        <translation>%1 (%2) — %3 层 x %4 头，%5 M 参数，%6 MB，%7 %8</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/gui/main_window_runs.cpp" line="104"/>
        <source> — warning: %n weight tensor(s) hold NaN or infinity (%1)</source>
        <translation>
            <numerusform> — 警告：%n 个权重张量含有 NaN 或无穷大（%1）</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="107"/>
        <source>S_v</source>
        <translation>S_v</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="108"/>
        <source>Model ready: %1</source>
        <translation>模型就绪：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="113"/>
        <source>Loading failed</source>
        <translation>加载失败</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="114"/>
        <source>Cannot load the model</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="115"/>
        <source>

The previous model (%1) stays loaded.</source>
        <translation>

之前的模型 (%1) 仍保持加载。</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="146"/>
        <source>%1 tokens, %2 tok/s%3</source>
        <translation>%1 个词元，%2 词元/秒%3</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="149"/>
        <source> — stopped</source>
        <translation> — 已停止</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="156"/>
        <location filename="../app/gui/main_window_runs.cpp" line="157"/>
        <source>The run failed</source>
        <translation>运行失败</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="191"/>
        <source>Computing the attention of token %1…</source>
        <translation>正在计算词元 %1 的注意力…</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="262"/>
        <source>S_v of token %1</source>
        <translation>词元 %1 的 S_v</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="262"/>
        <source>S_v at i*</source>
        <translation>i* 处的 S_v</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="267"/>
        <source>d log p / d gate</source>
        <translation>d log p / d gate</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="272"/>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="277"/>
        <source>gain</source>
        <translation>增益</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="296"/>
        <source>Cannot draw the maps: %1</source>
        <translation>无法绘制图：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="314"/>
        <source>layer %1, head %2</source>
        <translation>第 %1 层，第 %2 头</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="318"/>
        <source>mean of the %1 perception heads</source>
        <translation>%1 个感知头的平均</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="322"/>
        <source>mean of the %1 reasoning heads</source>
        <translation>%1 个推理头的平均</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="328"/>
        <source>all heads weighted by |contribution|</source>
        <translation>所有注意力头按 |贡献| 加权</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="332"/>
        <source>mean of all heads</source>
        <translation>所有注意力头的平均</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_runs.cpp" line="350"/>
        <source>Token %1 “%2”: attention of %3 — %4% on the image</source>
        <translation>词元 %1“%2”：%3 的注意力 — %4% 在图像上</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="28"/>
        <source>%1: no run.json here; choose the --out folder of headscope-cli eval</source>
        <translation>%1：此处没有 run.json；请选择 headscope-cli eval 的 --out 文件夹</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="33"/>
        <source>%1: damaged run settings (%2)</source>
        <translation>%1：运行设置已损坏（%2）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="41"/>
        <source>Evaluation</source>
        <translation>评测</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="50"/>
        <source>Open Evaluation Results</source>
        <translation>打开评测结果</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="58"/>
        <source>%1 holds a sweep; open the folder of an eval run</source>
        <translation>%1 是一次扫描的结果；请打开 eval 运行的文件夹</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="61"/>
        <source>%1: merge the shards first (headscope-cli eval-merge)</source>
        <translation>%1：请先合并分片（headscope-cli eval-merge）</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="62"/>
        <source>%1: no results.jsonl yet</source>
        <translation>%1：尚无 results.jsonl</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="65"/>
        <source>%1: run.json names no modes</source>
        <translation>%1：run.json 中没有解码模式</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="93"/>
        <source>Cannot open the evaluation</source>
        <translation>无法打开评测</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="97"/>
        <source>Evaluation — %1</source>
        <translation>评测 — %1</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="99"/>
        <source>%1 questions in %2; choose one to load it</source>
        <translation>%2 中有 %1 道题；选择一道即可载入</translation>
    </message>
    <message>
        <location filename="../app/gui/main_window_eval.cpp" line="104"/>
        <source>no image</source>
        <translation>无图像</translation>
    </message>
</context>
<context>
    <name>headscope::gui::ModelWorker</name>
    <message>
        <location filename="../app/gui/model_worker.cpp" line="68"/>
        <source>No model is loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <location filename="../app/gui/model_worker.cpp" line="96"/>
        <source>[image]</source>
        <translation>[图像]</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::CompareView</name>
    <message>
        <location filename="../widgets/compare_view.cpp" line="28"/>
        <source>(end of answer)</source>
        <translation>(回答结束)</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/compare_view.cpp" line="37"/>
        <source>identical (%n token(s))</source>
        <translation>
            <numerusform>相同（%n 个词元）</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="40"/>
        <source>first divergence at token %1: %2 vs %3</source>
        <translation>首次分歧于词元 %1：%2 对 %3</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="85"/>
        <source>Baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="86"/>
        <source>Rescaled</source>
        <translation>缩放后</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="135"/>
        <source>Per-token log-probabilities</source>
        <translation>逐词元对数概率</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="151"/>
        <source>baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="152"/>
        <source>rescaled</source>
        <translation>缩放后</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="153"/>
        <source>token index</source>
        <translation>词元序号</translation>
    </message>
    <message>
        <location filename="../widgets/compare_view.cpp" line="154"/>
        <source>log p</source>
        <translation>log p</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::EvalCaseBrowser</name>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="20"/>
        <source>(no answer found)</source>
        <translation>（未找到答案）</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="30"/>
        <source>&amp;Previous</source>
        <translation>上一题(&amp;P)</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="32"/>
        <source>&amp;Next</source>
        <translation>下一题(&amp;N)</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="69"/>
        <location filename="../widgets/eval_case_browser.cpp" line="70"/>
        <source>Right only with %1</source>
        <translation>仅 %1 答对</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="72"/>
        <source>Wrong with %1</source>
        <translation>%1 答错</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="72"/>
        <source>the first mode</source>
        <translation>第一种模式</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="73"/>
        <source>All questions</source>
        <translation>全部题目</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="129"/>
        <source>no questions</source>
        <translation>没有题目</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="129"/>
        <source>%1 of %2</source>
        <translation>第 %1 / %2 题</translation>
    </message>
    <message>
        <location filename="../widgets/eval_case_browser.cpp" line="138"/>
        <source>Reference:</source>
        <translation>参考答案：</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::HeadHeatMap</name>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="81"/>
        <location filename="../widgets/head_heat_map.cpp" line="400"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="82"/>
        <location filename="../widgets/head_heat_map.cpp" line="398"/>
        <source>perception</source>
        <translation>感知</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="83"/>
        <location filename="../widgets/head_heat_map.cpp" line="399"/>
        <source>reasoning</source>
        <translation>推理</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="109"/>
        <source>head</source>
        <translation>头</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="110"/>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="374"/>
        <source>layer %1, head %2: %3</source>
        <translation>第 %1 层，第 %2 头：%3</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="395"/>
        <source>no value</source>
        <translation>无值</translation>
    </message>
    <message>
        <location filename="../widgets/head_heat_map.cpp" line="419"/>
        <source>Head heat map</source>
        <translation>注意力头热图</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::ImageOverlayView</name>
    <message>
        <location filename="../widgets/image_overlay_view.cpp" line="83"/>
        <source>Drop an image here</source>
        <translation>将图像拖放到此处</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::RescalePanel</name>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="105"/>
        <location filename="../widgets/rescale_panel.cpp" line="245"/>
        <source>No visual-share table yet</source>
        <translation>尚无视觉占比表</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="108"/>
        <source>Heads the rule selects on the current visual-share table. The paper selects about 6% of heads; selecting more than about 18% hurts the answers.</source>
        <translation>规则在当前视觉占比表上选中的注意力头。论文约选择 6% 的注意力头；超过约 18% 会损害回答。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="112"/>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="114"/>
        <source>Generate the answer again with these gains and compare it with the baseline.</source>
        <translation>用这些增益重新生成回答，并与基线对比。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="123"/>
        <location filename="../widgets/rescale_panel.cpp" line="146"/>
        <source>Enhance</source>
        <translation>增强</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="124"/>
        <source>Multiply the output of every perception head by the perception gain before the output projection.</source>
        <translation>在输出投影之前，将每个感知头的输出乘以感知增益。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="126"/>
        <source>Perception gain</source>
        <translation>感知增益</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="127"/>
        <source>g_perc: gain of the perception heads (paper default 1.16).</source>
        <translation>g_perc：感知头的增益（论文默认 1.16）。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="129"/>
        <source>Perception threshold</source>
        <translation>感知阈值</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="130"/>
        <source>tau_perc: a head is a perception head when its visual share S_v (the attention of the query token summed over the image tokens) is at least this value.</source>
        <translation>tau_perc：当注意力头的视觉占比 S_v（查询词元在图像词元上的注意力之和）不低于此值时，它是感知头。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="133"/>
        <source>Perception depth limit</source>
        <translation>感知深度上限</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="134"/>
        <source>l_perc: perception heads are taken from layer 0 up to this layer.</source>
        <translation>l_perc：感知头取自第 0 层到此层。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="136"/>
        <source>Perception heads</source>
        <translation>感知头</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="139"/>
        <location filename="../widgets/rescale_panel.cpp" line="162"/>
        <location filename="../widgets/rescale_panel.cpp" line="178"/>
        <source>Gain</source>
        <translation>增益</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="140"/>
        <source>Threshold (S_v ≥)</source>
        <translation>阈值 (S_v ≥)</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="141"/>
        <source>Up to layer</source>
        <translation>直到第几层</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="147"/>
        <source>Multiply the output of every reasoning head by the reasoning gain before the output projection.</source>
        <translation>在输出投影之前，将每个推理头的输出乘以推理增益。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="149"/>
        <source>Reasoning gain</source>
        <translation>推理增益</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="150"/>
        <source>g_reas: gain of the reasoning heads (paper default 1.30).</source>
        <translation>g_reas：推理头的增益（论文默认 1.30）。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="152"/>
        <source>Reasoning threshold</source>
        <translation>推理阈值</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="153"/>
        <source>tau_reas: a head is a reasoning head when its visual share S_v is at most this value, i.e. it hardly looks at the image.</source>
        <translation>tau_reas：当注意力头的视觉占比 S_v 不高于此值（几乎不看图像）时，它是推理头。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="156"/>
        <source>Reasoning depth limit</source>
        <translation>推理深度下限</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="157"/>
        <source>l_reas: reasoning heads are taken from this layer to the last one.</source>
        <translation>l_reas：推理头取自此层到最后一层。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="159"/>
        <source>Reasoning heads</source>
        <translation>推理头</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="163"/>
        <source>Threshold (S_v ≤)</source>
        <translation>阈值 (S_v ≤)</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="164"/>
        <source>From layer</source>
        <translation>从第几层</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="169"/>
        <source>Attenuate</source>
        <translation>衰减</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="170"/>
        <source>Scale every head that is neither a perception nor a reasoning head by the gain below (an ablation of the paper; below 1 attenuates).</source>
        <translation>将既非感知头也非推理头的注意力头按下方增益缩放（论文中的消融；小于 1 为衰减）。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="172"/>
        <source>Gain of other heads</source>
        <translation>其他注意力头的增益</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="173"/>
        <source>Gain of all heads outside both classes.</source>
        <translation>两类之外所有注意力头的增益。</translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="175"/>
        <source>Other heads</source>
        <translation>其他注意力头</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/rescale_panel.cpp" line="249"/>
        <source>Selected: %1 perception, %2 reasoning — %3% of %n heads</source>
        <translation>
            <numerusform>已选：%1 个感知头，%2 个推理头 — 占 %n 个注意力头的 %3%</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/rescale_panel.cpp" line="254"/>
        <source>More than about 18% of heads: the paper reports worse answers.</source>
        <translation>超过约 18% 的注意力头：论文报告回答会变差。</translation>
    </message>
</context>
<context>
    <name>headscope::widgets::TokenView</name>
    <message>
        <location filename="../widgets/token_view.cpp" line="235"/>
        <source>Token %1</source>
        <translation>词元 %1</translation>
    </message>
</context>
</TS>
