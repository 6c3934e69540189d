// headscope-cli: the engine without a window, for scripts and batch work.
#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "headscope/error.h"
#include "headscope/session.h"

namespace {

void printUsage() {
    std::fputs(
        "usage: headscope-cli COMMAND [options]\n"
        "       headscope-cli --version [--json]   (HeadScope, LibTorch and CUDA versions, the CUDA devices)\n"
        "\n"
        "commands:\n"
        "  generate   --model DIR [--image FILE] --prompt TEXT [--system TEXT] [--max-new-tokens N]\n"
        "             [--device auto|cpu|cuda] [--dtype auto|fp32|bf16|fp16] [--threads N]\n"
        "             [--attention auto|fused|eager]\n"
        "             [--sample] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--json]\n"
        "  tokenize   --model DIR [--text TEXT | < file] [--decode]\n"
        "  dump       --model DIR (--image FILE | --pixel-values FILE.safetensors) --prompt TEXT\n"
        "             --out FILE.safetensors [--gains L:H:G,...] [--grad-target auto|none|ID]\n"
        "             [--device ...] [--dtype ...] [--threads N]\n"
        "  make-random-model --out DIR [--preset tiny|tiny-qwen2-vl|qwen2-0.5b] [--seed S]\n"
        "  profile    --model DIR [--image FILE] --prompt TEXT --out BASE [--name NAME] [RULE]\n"
        "             [--query last|mean|POSITION] [--contrib] [DECODING] [--json]\n"
        "  compare    --model DIR [--image FILE] --prompt TEXT [--profile P | RULE] [DECODING] [--json]\n"
        "  contrib    --model DIR [--image FILE] --prompt TEXT [--token K] [--target auto|ID] [--csv FILE]\n"
        "             [--profile-out BASE] [DECODING] [--json]\n"
        "  train-demo --out DIR [--checkpoint DIR] [--steps N] [--batch N] [--lr X] [--warmup N] [--seed S]\n"
        "             [--questions-per-scene N] [--no-inventory] [--describe] [--probe-weight X]\n"
        "             [--position-probe X] [--position-probe-layer L]\n"
        "             [--vision-warmup N] [--vision-scenes N] [--vision-lr X] [--curriculum N] [--rope-theta X]\n"
        "             [--mrope-section T,H,W] [--threads N] [--no-eval] [EVAL]   (resumes from its checkpoint when interrupted)\n"
        "  eval-demo  --model DIR [EVAL]   (writes README.md, evaluation.json and gallery/ into DIR)\n"
        "  eval       --model DIR --data FILE.jsonl --out DIR [--modes vanilla,fac,vcd] [--profile P | RULE]\n"
        "             [--vcd-alpha X] [--vcd-beta X] [--vcd-noise-step N] [--shard I/N] [--limit N]\n"
        "             [DECODING] [--device ...] [--dtype ...] [--threads N]\n"
        "             (resumes where it stopped; prints and writes the summary table)\n"
        "  eval-merge --out DIR [--from DIR,DIR,...]   (combines the shards of a sharded eval)\n"
        "  eval-gallery --run DIR --out DIR [--modes A,B]   (the questions two modes disagree on)\n"
        "  sweep      --model DIR --data FILE.jsonl --out DIR [--limit N] [--l-perc-values L,..]\n"
        "             [--l-reas-values L,..] [--g-perc-values G,..] [--g-reas-values G,..] [--fractions F,..]\n"
        "             [RULE] [DECODING]   (accuracy over layer limits, gains and head shares: CSV and plots)\n"
        "  make-demo-data --out DIR [--count N] [--seed S]   (the demo model's test questions as a dataset)\n"
        "  import-data --format mathvista|hallusionbench|seedbench|pope|tsv --in FILE [--images DIR] --out DIR\n"
        "\n"
        "RULE:     [--l-perc N] [--l-reas N] [--tau-perc X] [--tau-reas X] [--g-perc X] [--g-reas X]\n"
        "          [--no-enhance-perception] [--no-enhance-reasoning] [--attenuate-others [--g-other X]]\n"
        "          (defaults: the paper's, l_perc 7, l_reas 3, tau_perc 0.22, tau_reas 0.01, g 1.16 / 1.30)\n"
        "DECODING: [--max-new-tokens N] [--sample] [--temperature T] [--top-k K] [--top-p P] [--seed S]\n"
        "EVAL:     [--count N] [--fac-count N] [--calibration-count N] [--gallery N]\n"
        "\n"
        "Run a command with --help for details.\n",
        stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        printUsage();
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    try {
        const headscope::cli::Arguments args = headscope::cli::Arguments::parse(argc - 2, argv + 2);
        if (command == "--version") return headscope::cli::runVersion(args);
        if (command == "generate") return headscope::cli::runGenerate(args);
        if (command == "tokenize") return headscope::cli::runTokenize(args);
        if (command == "dump") return headscope::cli::runDump(args);
        if (command == "make-random-model") return headscope::cli::runMakeRandomModel(args);
        if (command == "profile") return headscope::cli::runProfile(args);
        if (command == "compare") return headscope::cli::runCompare(args);
        if (command == "contrib") return headscope::cli::runContrib(args);
        if (command == "train-demo") return headscope::cli::runTrainDemo(args);
        if (command == "eval-demo") return headscope::cli::runEvalDemo(args);
        if (command == "eval") return headscope::cli::runEval(args);
        if (command == "eval-merge") return headscope::cli::runEvalMerge(args);
        if (command == "eval-gallery") return headscope::cli::runEvalGallery(args);
        if (command == "make-demo-data") return headscope::cli::runMakeDemoData(args);
        if (command == "import-data") return headscope::cli::runImportData(args);
        if (command == "sweep") return headscope::cli::runSweep(args);
        std::fprintf(stderr, "headscope-cli: unknown command '%s'\n\n", command.c_str());
        printUsage();
        return 2;
    } catch (const headscope::cli::UsageError& e) {
        std::fprintf(stderr, "headscope-cli %s: %s\n", command.c_str(), e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "headscope-cli %s: error: %s\n", command.c_str(), headscope::userMessage(e).c_str());
        return 1;
    }
}
