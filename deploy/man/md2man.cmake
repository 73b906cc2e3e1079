# Turns docs/junction.1.md (a small Markdown subset) into a roff man page.
#   cmake -DINPUT=docs/junction.1.md -DOUTPUT=junction.1 -DVERSION=0.1.0 -P md2man.cmake
#
# The subset, and what each becomes:
#   # title line            skipped (the first level-1 heading: "# junction(1)")
#   ## SECTION              .SH SECTION
#   ### Subsection          .SS Subsection
#   text lines              one paragraph; a blank line ends it
#   TERM                    a definition list entry (.TP): the term on its own line,
#   : definition            the definition on the next line starting with ": ";
#     more definition       following lines belong to it until a blank line
#   - item                  a bullet (.IP)
#   ``` ... ```             a literal block (.nf/.fi, indented)
#   **bold**, `code`        bold
#   *italic*                italic
# Nothing else (no links, tables, nested lists). Written in CMake so that building the
# package needs nothing beyond the build tools.
cmake_minimum_required(VERSION 3.25)

if(NOT INPUT OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DINPUT=in.md -DOUTPUT=out.1 [-DVERSION=x] -P md2man.cmake")
endif()

file(READ "${INPUT}" text)
# CMake lists split on ';' and treat '[' ']' specially: hide them while iterating.
string(REPLACE ";" "@MD2MAN_SEMI@" text "${text}")
string(REPLACE "[" "@MD2MAN_LBR@" text "${text}")
string(REPLACE "]" "@MD2MAN_RBR@" text "${text}")
string(REPLACE "\\" "@MD2MAN_BSL@" text "${text}")
string(REPLACE "\n" ";" lines "${text}")

# Inline markup of one line of prose (not of literal blocks).
function(md2man_inline in out_var)
  set(s "${in}")
  string(REPLACE "@MD2MAN_BSL@" "\\e" s "${s}")
  string(REPLACE "-" "\\-" s "${s}")
  string(REGEX REPLACE "\\*\\*([^*]+)\\*\\*" "\\\\fB\\1\\\\fR" s "${s}")
  string(REGEX REPLACE "`([^`]+)`" "\\\\fB\\1\\\\fR" s "${s}")
  string(REGEX REPLACE "\\*([^* ][^*]*)\\*" "\\\\fI\\1\\\\fR" s "${s}")
  string(REGEX REPLACE "^[ \t]+" "" s "${s}")
  if(s MATCHES "^[.']")
    set(s "\\&${s}")
  endif()
  set(${out_var} "${s}" PARENT_SCOPE)
endfunction()

string(TIMESTAMP today "%Y-%m-%d" UTC)  # honours SOURCE_DATE_EPOCH (reproducible builds)
set(out ".\\\" Generated from docs/junction.1.md by deploy/man/md2man.cmake; edit that file.\n")
string(APPEND out ".TH JUNCTION 1 \"${today}\" \"Junction ${VERSION}\" \"Junction Manual\"\n")
string(APPEND out ".nh\n.ad l\n")  # no hyphenation, ragged right: paths and JIDs stay whole

set(seen_title FALSE)
set(in_code FALSE)
set(pending_term "")
set(have_term FALSE)
set(in_para FALSE)     # inside a paragraph, a definition or a bullet: text just continues

foreach(raw IN LISTS lines)
  string(REGEX REPLACE "\r$" "" line "${raw}")
  if(in_code)
    if(line MATCHES "^```")
      string(APPEND out ".fi\n.RE\n")
      set(in_code FALSE)
    else()
      string(REPLACE "@MD2MAN_BSL@" "\\e" l "${line}")
      string(REPLACE "-" "\\-" l "${l}")
      if(l MATCHES "^[.']")
        set(l "\\&${l}")
      endif()
      string(APPEND out "${l}\n")
    endif()
    continue()
  endif()

  # A term line waits for the next line to know whether it starts a definition.
  if(have_term)
    set(have_term FALSE)
    if(line MATCHES "^: (.*)$")
      md2man_inline("${pending_term}" term)
      md2man_inline("${CMAKE_MATCH_1}" def)
      string(APPEND out ".TP\n${term}\n${def}\n")
      set(in_para TRUE)
      continue()
    else()
      md2man_inline("${pending_term}" t)
      string(APPEND out ".PP\n${t}\n")
      set(in_para TRUE)
    endif()
  endif()

  if(line MATCHES "^```")
    string(APPEND out ".PP\n.RS 4\n.nf\n")
    set(in_code TRUE)
    set(in_para FALSE)
  elseif(line MATCHES "^# ")
    if(seen_title)
      message(FATAL_ERROR "${INPUT}: only one level-1 heading (the title) is allowed")
    endif()
    set(seen_title TRUE)
  elseif(line MATCHES "^## (.*)$")
    md2man_inline("${CMAKE_MATCH_1}" h)
    string(APPEND out ".SH \"${h}\"\n")
    set(in_para FALSE)
  elseif(line MATCHES "^### (.*)$")
    md2man_inline("${CMAKE_MATCH_1}" h)
    string(APPEND out ".SS \"${h}\"\n")
    set(in_para FALSE)
  elseif(line MATCHES "^[ \t]*$")
    set(in_para FALSE)
  elseif(line MATCHES "^- (.*)$")
    md2man_inline("${CMAKE_MATCH_1}" item)
    string(APPEND out ".IP \\(bu 2\n${item}\n")
    set(in_para TRUE)
  elseif(in_para)
    md2man_inline("${line}" t)
    string(APPEND out "${t}\n")
  else()
    # The first line of a block: a paragraph, or the term of a definition.
    set(pending_term "${line}")
    set(have_term TRUE)
  endif()
endforeach()
if(have_term)
  md2man_inline("${pending_term}" t)
  string(APPEND out ".PP\n${t}\n")
endif()
if(in_code)
  message(FATAL_ERROR "${INPUT}: unterminated ``` block")
endif()

string(REPLACE "@MD2MAN_SEMI@" ";" out "${out}")
string(REPLACE "@MD2MAN_LBR@" "[" out "${out}")
string(REPLACE "@MD2MAN_RBR@" "]" out "${out}")
string(REPLACE "@MD2MAN_BSL@" "\\e" out "${out}")
file(WRITE "${OUTPUT}" "${out}")
