#!/usr/bin/env bash
# Make this machine ready to run composer: libfluidsynth, a General MIDI soundfont,
# Python >= 3.11 and the project's .venv. Idempotent; silent and fast when all is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GM_SF2=/usr/share/sounds/sf2/FluidR3_GM.sf2
did_something=0
warned=0
say() { printf 'setup: %s\n' "$*"; did_something=1; }
warn() { printf 'setup: %s\n' "$*" >&2; warned=1; }

# --- system libraries -------------------------------------------------------------------

has_libfluidsynth() {
    local ldconfig out
    ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)  # /sbin is not on a user's PATH on Debian
    if [[ -x $ldconfig ]]; then
        # no `ldconfig -p | grep -q`: grep may stop reading early and, under pipefail, fail the pipe
        out=$("$ldconfig" -p 2>/dev/null || true)
        grep 'libfluidsynth\.so' >/dev/null <<<"$out"
    else
        compgen -G '/usr/lib*/libfluidsynth.so*' >/dev/null ||
            compgen -G '/usr/lib*/*-linux-gnu/libfluidsynth.so*' >/dev/null ||
            compgen -G '/usr/local/lib*/libfluidsynth.so*' >/dev/null
    fi
}

SUDO=()
APT_UPDATED=0
APT_LOG=""

apt_try() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >"$APT_LOG" 2>&1
}

# apt_install PKG...: install, running `apt-get update` once (per run) if the first try fails.
apt_install() {
    say "installing $* (apt-get)"
    apt_try "$@" && return 0
    if [[ $APT_UPDATED == 0 ]]; then
        APT_UPDATED=1
        say "apt-get update"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$APT_LOG" 2>&1 || true
        apt_try "$@" && return 0
    fi
    return 1
}

apt_failed() {
    warn "could not install $1 with apt-get; last lines of its output:"
    tail -n 5 "$APT_LOG" | sed 's/^/setup:   /' >&2
}

python_has_venv() {
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1
}

system_linux() {
    local need_lib=0 need_sf=0 need_venv=0
    has_libfluidsynth || need_lib=1
    [[ -f $GM_SF2 ]] || need_sf=1
    # python3-venv matters only when .venv is still to be made
    if [[ ! -x .venv/bin/python ]] && command -v python3 >/dev/null && ! python_has_venv; then
        need_venv=1
    fi
    (( need_lib + need_sf + need_venv )) || return 0

    if ! command -v apt-get >/dev/null; then
        (( need_lib )) && warn "libfluidsynth not found: install libfluidsynth 2.x with your package manager" \
            "(e.g. 'dnf install fluidsynth-libs', 'pacman -S fluidsynth', 'apk add fluidsynth')"
        (( need_sf )) && warn "no system GM soundfont: the TimGM6mb.sf2 bundled with pretty_midi will be used," \
            "or put a .sf2 in soundfonts/ (see soundfonts/README.md)"
        (( need_venv )) && warn "python3 cannot make a venv (ensurepip missing): install your distro's python3 venv package"
        return 0
    fi
    if [[ $EUID -ne 0 ]]; then
        if command -v sudo >/dev/null; then
            SUDO=(sudo)
        else
            local wanted=()
            (( need_lib )) && wanted+=("libfluidsynth3 (or libfluidsynth2)")
            (( need_sf )) && wanted+=(fluid-soundfont-gm)
            (( need_venv )) && wanted+=(python3-venv)
            warn "not root and no sudo: install by hand with apt-get: ${wanted[*]}"
            return 0
        fi
    fi
    APT_LOG=$(mktemp)
    trap 'rm -f "$APT_LOG"' EXIT
    if (( need_lib )); then
        apt_install libfluidsynth3 || apt_install libfluidsynth2 || apt_failed "libfluidsynth3 or libfluidsynth2"
    fi
    if (( need_sf )); then
        apt_install fluid-soundfont-gm || apt_failed fluid-soundfont-gm
    fi
    if (( need_venv )); then
        # Debian names it python3-venv; some releases want the versioned python3.X-venv
        local versioned
        versioned="python$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
        apt_install python3-venv || apt_install "$versioned" || apt_failed python3-venv
    fi
}

system_macos() {
    local lib
    for lib in /opt/homebrew/lib/libfluidsynth*.dylib /usr/local/lib/libfluidsynth*.dylib; do
        [[ -e $lib ]] && return 0
    done
    if command -v brew >/dev/null; then
        say "installing fluid-synth (brew)"
        brew install fluid-synth || warn "brew install fluid-synth failed: install FluidSynth 2.x by hand"
    else
        warn "libfluidsynth not found: install Homebrew, then 'brew install fluid-synth'"
    fi
    say "macOS has no GM soundfont package: composer will use the TimGM6mb.sf2 bundled with" \
        "pretty_midi, or put a better .sf2 in soundfonts/ (see soundfonts/README.md)"
}

case "$(uname -s)" in
    Linux) system_linux ;;
    Darwin) system_macos ;;
    *)
        has_libfluidsynth ||
            warn "libfluidsynth not found: install libfluidsynth 2.x (FluidSynth) by hand for audio rendering"
        ;;
esac

# --- Python and the project's venv ------------------------------------------------------

version_ok() {  # "3.11.7" -> ok when >= 3.11
    local major minor
    IFS=. read -r major minor _ <<<"$1"
    [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] && (( major > 3 || (major == 3 && minor >= 11) ))
}

if [[ -x .venv/bin/python ]]; then
    # read the venv's version from pyvenv.cfg rather than start Python (keeps the fast path fast)
    venv_version=""
    if [[ -r .venv/pyvenv.cfg ]]; then
        while IFS=' =' read -r cfg_key cfg_value _; do
            [[ $cfg_key == version || $cfg_key == version_info ]] && { venv_version=$cfg_value; break; }
        done <.venv/pyvenv.cfg
    fi
    [[ -n $venv_version ]] || venv_version=$(.venv/bin/python -c 'import platform; print(platform.python_version())')
    if ! version_ok "$venv_version"; then
        warn "error: .venv has Python $venv_version, composer needs >= 3.11: remove .venv and run make again" \
            "with python3 >= 3.11 on PATH"
        exit 1
    fi
else
    if ! command -v python3 >/dev/null; then
        warn "error: python3 not found: install Python >= 3.11"
        exit 1
    fi
    py_version=$(python3 -c 'import platform; print(platform.python_version())')
    if ! version_ok "$py_version"; then
        warn "error: composer needs Python >= 3.11, python3 is $py_version ($(command -v python3))"
        exit 1
    fi
    say "creating .venv (Python $py_version)"
    # --clear: a .venv left behind with a dead interpreter link is rebuilt, not patched
    python3 -m venv --clear .venv
    rm -f .venv/.installed
fi

if [[ ! -e .venv/.installed || pyproject.toml -nt .venv/.installed ]]; then
    say "installing composer and its dev tools into .venv (pip install -e '.[dev]')"
    if ! .venv/bin/python -m pip install --quiet -e '.[dev]'; then
        warn "error: pip install -e '.[dev]' failed (see above)"
        exit 1
    fi
    touch .venv/.installed
fi

# composer's own bytecode, compiled here (pip compiles the packages it installs, not an editable
# source): where PYTHONDONTWRITEBYTECODE is set, as on CI's machines, every process that imports
# composer otherwise compiles it again, 0.4 s each for the tests' hundreds of CLI runs. Only
# changed modules are compiled again; a module edited later is compiled afresh when imported.
.venv/bin/python -m compileall -q composer >/dev/null || warn "note: could not precompile composer (it still runs)"

if (( warned )); then
    echo "setup: ready, except for what is noted above"
elif (( did_something )); then
    echo "setup: ready"
fi
exit 0
