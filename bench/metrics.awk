# metrics.awk - accuracy and macro-F1 of a classifier's predictions.
#
# Input: one line per example, "GOLD<TAB>PREDICTED" (as `paste gold pred`
# makes it).  An empty PREDICTED field is a label of its own (""), so an
# example the classifier left unanswered counts as wrong.
#
# Output: one line, "N ACCURACY MACRO_F1 CLASSES", e.g. "4 0.500000 0.333333 4".
#
# Macro-F1 follows scikit-learn's f1_score(average="macro"): the mean, over
# every label present in gold or predicted, of that label's F1, where
# F1 = 2PR/(P+R) = 2TP/(2TP+FP+FN), and F1 = 0 when P+R = 0 (zero_division=0).
#
# Worked by hand (also run by bench/run as a self-check before measuring):
#   gold a a b c, predicted a b b d
#   a: TP 1 FP 0 FN 1 -> F1 2/3     b: TP 1 FP 1 FN 0 -> F1 2/3
#   c: TP 0 FP 0 FN 1 -> F1 0       d: TP 0 FP 1 FN 0 -> F1 0
#   accuracy 2/4 = 0.5; macro-F1 (2/3 + 2/3 + 0 + 0) / 4 = 0.333333
#
# POSIX awk: runs under mawk (Debian's default awk) and gawk alike.

BEGIN { FS = "\t" }

{
	n++
	gold = $1
	pred = (NF >= 2) ? $2 : ""
	seen[gold] = 1
	seen[pred] = 1
	if (gold == pred) {
		correct++
		tp[gold]++
	} else {
		fp[pred]++
		fn[gold]++
	}
}

END {
	if (n == 0) {
		print "metrics.awk: no examples" > "/dev/stderr"
		exit 3
	}
	classes = 0
	sum = 0
	for (c in seen) {
		classes++
		# The denominator is never 0: every label in seen[] occurs in gold
		# (TP or FN) or in predicted (TP or FP).
		sum += 2 * tp[c] / (2 * tp[c] + fp[c] + fn[c])
	}
	printf "%d %.6f %.6f %d\n", n, correct / n, sum / classes, classes
}
