#!/usr/bin/env bash
# put_section.sh - the measurement scripts' way of writing their part of a
# results page: the section headed HEADING (a "## " line) in FILE is
# replaced by the lines of SECTION (which start with that heading), up to
# the next "## " heading; without one, SECTION is appended. The other
# sections are kept as they are.
#
#   usage: scripts/put_section.sh FILE HEADING SECTION
set -euo pipefail
file=${1:?usage: put_section.sh FILE HEADING SECTION}
heading=${2:?usage: put_section.sh FILE HEADING SECTION}
section=${3:?usage: put_section.sh FILE HEADING SECTION}
touch "$file"
awk -v h="$heading" -v f="$section" '
  $0 == h { while ((getline l < f) > 0) print l; skip = 1; done = 1; next }
  skip && /^## / { skip = 0; print "" }
  !skip { print }
  END { if (!done) { print ""; while ((getline l < f) > 0) print l } }' "$file" >"$file.tmp"
mv "$file.tmp" "$file"
