# cron.sh - the README's nightly script, as it stands there, run the way
# cron runs it: `env -i`, PATH=/usr/bin:/bin (with a stub mailer before
# them), no HOME of ours, nlpops by its path (issue 11: 6).  Scores land
# atomically, drift's exit 1 still mails, an error is the exit status,
# and one night uses one model even when the alias moves mid-run.
. "$TOP/tests/e2e/lib.sh"

N=$NLPOPS
# The block: from the line "#!/bin/sh" after "nlpops-nightly" to its fence.
awk '/^```sh$/ { getline; if ($0 == "#!/bin/sh") { on = 1 } }
	on && /^```$/ { exit } on' "$TOP/README.md" >"$T/nightly"
check "the README has the nightly script" grep -q 'registry resolve spam@production' "$T/nightly"
chmod +x "$T/nightly"

mkdir -p "$T/stub" "$T/srv/mail" "$T/srv/scored" "$T/srv/reports" "$T/prom"
cat >"$T/stub/mail" <<EOS
#!/bin/sh
# mail -s SUBJECT TO < body: kept for the test
{ echo "subject: \$2"; echo "to: \$3"; cat; } >"$T/mailed"
EOS
chmod +x "$T/stub/mail"

"$N" --registry "$T/reg" train -q --threads 1 --push spam -o "$T/m1.nlp" "$DATA/spam.train.tsv.gz" >/dev/null
"$N" --registry "$T/reg" train -q --threads 1 --seed 2 --push spam -o "$T/m2.nlp" "$DATA/spam.train.tsv.gz" >/dev/null

# nightly [NLPOPS]: the script under cron's environment
nightly() {
	env -i PATH="$T/stub:/usr/bin:/bin" NLPOPS="${1:-$N}" \
	    NLPOPS_REGISTRY="$T/reg" NIGHTLY_DIR="$T/srv" \
	    NIGHTLY_PROM="$T/prom/nlpops.prom" NIGHTLY_MAILTO=ops@test \
	    "$T/nightly" >"$T/out" 2>"$T/err"
}
day=$(date -d yesterday +%F)

# no production yet: resolve fails, nothing is written
expect_status 5 "no spam@production: the script exits 5" nightly
check "... having written no scores" test ! -e "$T/srv/scored/$day.tsv"
check "... and says why" grep -q "production" "$T/err"

"$N" --registry "$T/reg" registry alias spam 1 production >/dev/null 2>&1
# a night of mail like the training mail: no drift, no mail
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | gzip >"$T/srv/mail/$day.txt.gz"
rm -f "$T/mailed"
expect_status 0 "a night without drift" nightly
check "every line scored" test "$(wc -l <"$T/srv/scored/$day.tsv")" -eq "$(zcat "$DATA/spam.test.tsv.gz" | wc -l)"
check "the metrics were written" grep -q '^nlpops_drift{model="spam",version="1"} 0$' "$T/prom/nlpops.prom"
check "no mail" test ! -e "$T/mailed"

# a small night (50 texts): quiet, its warning in the report.
# Regression (fixed): "only 50 current records: ..." on stderr every
# such night, which cron mailed
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | head -50 | gzip >"$T/srv/mail/$day.txt.gz"
expect_status 0 "a small night without drift" nightly
check "... says nothing ($(cat "$T/out" "$T/err" | head -c 200))" sh -c "[ ! -s '$T/out' ] && [ ! -s '$T/err' ]"
check "... the report ends in its warning" sh -c "tail -2 '$T/srv/reports/drift-$day.txt' | tr '\n' '|' | grep -q '^warnings:|only 50 current records: below 100, every test has little power|\$'"
zcat "$DATA/spam.test.tsv.gz" | cut -f2 | gzip >"$T/srv/mail/$day.txt.gz"

# a night of other text: drift, exit 1 caught, the mail goes
zcat "$DATA/debian.test.tsv.gz" | cut -f2 | gzip >"$T/srv/mail/$day.txt.gz"
expect_status 0 "a night with drift still ends 0 (the mail is the alert)" nightly
check "the report was mailed, naming the pinned version" grep -q "^subject: nlpops: drift in $day (spam@1)" "$T/mailed"
check "the mail carries the report" grep -q 'drift: yes' "$T/mailed"
check "the metrics say drift" grep -q '^nlpops_drift{.*} 1$' "$T/prom/nlpops.prom"

# no mail(1) on the machine (a stock Debian): the report goes to standard
# output, which cron mails, and the job exits 1 -- the alert is not lost
# (the script named mail, "not found", and went on)
if ! PATH=/usr/bin:/bin command -v mail >/dev/null 2>&1; then
	rm -f "$T/mailed"
	env -i PATH="/usr/bin:/bin" NLPOPS="$N" NLPOPS_REGISTRY="$T/reg" \
	    NIGHTLY_DIR="$T/srv" NIGHTLY_PROM="$T/prom/nlpops.prom" \
	    NIGHTLY_MAILTO=ops@test "$T/nightly" >"$T/out" 2>"$T/err"
	check "no mail(1): a night with drift exits 1 ($?)" test $? -eq 1
	check "... its report on standard output, for cron to mail" sh -c "grep -q '^nlpops: drift in $day (spam@1)' '$T/out' && grep -q 'drift: yes' '$T/out'"
	check "... nothing said of a missing command" sh -c "! grep -q 'not found' '$T/err'"
fi

# predict fails (the input is not there): no empty scores file
rm -f "$T/srv/scored/$day.tsv" "$T/mailed"
mv "$T/srv/mail/$day.txt.gz" "$T/srv/mail/kept.gz"
nightly
check "a missing input: the script fails" test $? -eq 4
check "... leaving no scores file, not an empty one" test ! -e "$T/srv/scored/$day.tsv"
check "... and no stray temporary file" sh -c "! ls -A '$T/srv/scored' | grep -q ."
mv "$T/srv/mail/kept.gz" "$T/srv/mail/$day.txt.gz"

# drift fails (the metrics' directory is not there): the error is the exit
# status, and no report stands for the night.  Regression (fixed): an
# empty drift-DAY.txt was left by the redirection
rm -f "$T/srv/reports/drift-$day.txt"
env -i PATH="$T/stub:/usr/bin:/bin" NLPOPS="$N" NLPOPS_REGISTRY="$T/reg" \
    NIGHTLY_DIR="$T/srv" NIGHTLY_PROM="$T/noprom/nlpops.prom" \
    NIGHTLY_MAILTO=ops@test "$T/nightly" >"$T/out" 2>"$T/err"
check "drift cannot write its metrics: the script fails with 4 ($?)" test $? -eq 4
check "... leaving no report for the night, nor a temporary one" sh -c "! ls -A '$T/srv/reports' | grep -q 'drift-$day.txt'"

# Regression (fixed): the night's .gz that is no gzip (an HTML error page
# the fetch saved under that name) was read as text, and its "drift" went
# out as the night's verdict.  Expected: a failure (3), no scores file.
rm -f "$T/srv/scored/$day.tsv" "$T/mailed"
mv "$T/srv/mail/$day.txt.gz" "$T/srv/mail/kept.gz"
printf '<html><body>502 Bad Gateway</body></html>\n' >"$T/srv/mail/$day.txt.gz"
nightly
rc=$?
check "a .gz that is no gzip: the script fails with 3 ($(head -c 200 "$T/err"))" test $rc -eq 3
check "... saying the file is misnamed or damaged" grep -q "is named as compressed (.gz) but is not" "$T/err"
check "... leaving no scores file and no mail" sh -c "[ ! -e '$T/srv/scored/$day.tsv' ] && [ ! -e '$T/mailed' ]"
mv "$T/srv/mail/kept.gz" "$T/srv/mail/$day.txt.gz"

# the alias moves between predict and drift: the night stays on spam@1
cat >"$T/mover" <<EOS
#!/bin/sh
# nlpops, moving spam@production to version 2 right after predict
"$N" "\$@"; rc=\$?
[ "\$1" = predict ] && "$N" registry alias spam 2 production >/dev/null
exit \$rc
EOS
chmod +x "$T/mover"
expect_status 0 "the alias moved mid-run" nightly "$T/mover"
check "... and moved indeed" sh -c "'$N' --registry '$T/reg' registry resolve spam@production | grep -q '^spam@2 '"
check "... yet drift used the version predict used" grep -q "^subject: nlpops: drift in $day (spam@1)" "$T/mailed"
check "... as the HTML report says" grep -q 'spam@1' "$T/srv/reports/drift-$day.html"
check "... not version 2" sh -c "! grep -q 'spam@2' '$T/srv/reports/drift-$day.html'"
