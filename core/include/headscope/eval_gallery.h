// Where two decoding modes disagree on a dataset: the questions one answers right and the other wrong, for
// inspection one by one (the GUI steps through them) or as a folder to share.
#pragma once
#include <string>
#include <vector>

#include "headscope/eval_dataset.h"
#include "headscope/eval_records.h"

namespace headscope {

struct Disagreement {
    EvalRecord first;   // the reference mode's record (e.g. vanilla)
    EvalRecord second;  // the other mode's record of the same question
    bool fixed() const { return !first.correct && second.correct; }  // else broken: right before, wrong after
};

// Questions answered in both modes with different correctness, in question order.
std::vector<Disagreement> findDisagreements(const std::vector<EvalRecord>& records, const std::string& firstMode,
                                            const std::string& secondMode);

struct GalleryCounts {
    int64_t fixed = 0;
    int64_t broken = 0;
};

// Writes FOLDER/index.html (the cases with their images, questions, references, both thoughts and answers;
// self-contained, text escaped), FOLDER/cases.jsonl and the images they show (FOLDER/images/, copied from
// the dataset). `dataset` resolves the records' image paths. The folder is built beside and renamed into
// place; an existing folder is refused.
GalleryCounts writeDisagreementGallery(const std::string& folder, const EvalDataset& dataset,
                                       const std::vector<Disagreement>& cases);

}  // namespace headscope
