-- Pandoc Lua filter of the fallback renderer (tools/render/renderer.py): ledger spans,
-- Quarto-style floats and cross references, checks. pandoc runs this file; its inputs are the
-- JSON files and the span module named by the PAPER_BUILD_* environment variables.
local HTML = FORMAT:match("html") ~= nil
local TYPST = FORMAT:match("typst") ~= nil
local NUMBER_SECTIONS = os.getenv("PAPER_BUILD_NUMBER_SECTIONS") ~= "0"
local problems = pandoc.List()

local function problem(message, token)
  problems:insert({ message = message, token = token or "" })
end

local function read_json(path)
  local handle = io.open(path, "rb")
  if not handle then error("tools.render: cannot read " .. tostring(path)) end
  local text = handle:read("a")
  handle:close()
  return pandoc.json.decode(text, false)
end

local LEDGER = read_json(os.getenv("PAPER_BUILD_LEDGER"))
-- figures checked by tools/render/renderer.py: src -> { typst = path from typst's root, path = file }
local IMAGES = read_json(os.getenv("PAPER_BUILD_IMAGES"))

-- how a number carries its provenance in HTML: the Quarto extension's own code, not a copy
local SPAN = dofile(os.getenv("PAPER_BUILD_SPAN"))

local function ledger_span(key, inlines)
  return SPAN.span(key, LEDGER[key], inlines)
end

-- 1. ledger spans written by the pre-pass (body and metadata) ------------------------
local function Span(span)
  if not span.classes:includes("ledger") then return nil end
  local key = span.attributes["data-ledger-key"]
  if LEDGER[key] == nil then
    problem("unknown ledger key '" .. tostring(key) .. "'", tostring(key))
    return nil
  end
  if HTML then return ledger_span(key, span.content) end
  return span.content
end

-- 3. cross references ---------------------------------------------------------------------
local targets = {}      -- id -> { kind = "fig"|"tbl"|"eq"|"sec", number = "1" or nil }
local counters = { fig = 0, tbl = 0, eq = 0 }
local NAMES = { fig = "Figure", tbl = "Table", eq = "Equation", sec = "Section" }
local UNSUPPORTED = { "lst", "tip", "nte", "wrn", "imp", "cau", "thm", "lem", "cor", "prp", "cnj",
                      "def", "exm", "exr", "sol", "rem" }

local function add_target(id, kind, number)
  -- labels end up in raw typst (`<id>`, `#ref(<id>)`): nothing but typst label characters
  if not id:match("^[%w_%.:%-]+$") then
    problem("label #" .. id .. " may contain only letters, digits and _ . : -", "#" .. id)
    return
  end
  if targets[id] ~= nil then
    problem("duplicate label #" .. id, "#" .. id)
  end
  targets[id] = { kind = kind, number = number }
end

-- handler for a numbered float (Figure or Table): labels must carry the kind's prefix
local function numbered(kind, noun)
  return function(el)
    local id = el.identifier
    if id:match("^" .. kind .. "%-") then
      counters[kind] = counters[kind] + 1
      add_target(id, kind, tostring(counters[kind]))
    elseif id ~= "" then
      problem(noun .. " label #" .. id .. " must start with " .. kind .. "-", "#" .. id)
    end
    return nil
  end
end

local function eq_label(inline)
  if inline and inline.t == "Str" then
    return inline.text:match("^{#([^}%s]+)}$")
  end
  return nil
end

-- find `$$...$$ {#eq-x}` in an inline list: returns list of {math_index, label_index, id}
local function equations_in(inlines)
  local found = {}
  for i, el in ipairs(inlines) do
    if el.t == "Math" and el.mathtype == "DisplayMath" then
      local j = i + 1
      if inlines[j] and inlines[j].t == "Space" then j = j + 1 end
      local id = eq_label(inlines[j])
      if id then table.insert(found, { i = i, j = j, id = id }) end
    end
  end
  return found
end

local function number_pass(doc)
  local levels = {}
  doc:walk({
    traverse = "topdown",
    Header = function(h)
      local id = h.identifier
      if h.classes:includes("unnumbered") or not NUMBER_SECTIONS then
        if id:match("^sec%-") then add_target(id, "sec", nil) end
        return nil
      end
      levels[h.level] = (levels[h.level] or 0) + 1
      for l = h.level + 1, 10 do levels[l] = nil end
      local parts = {}
      for l = 1, h.level do parts[#parts + 1] = tostring(levels[l] or 0) end
      if id:match("^sec%-") then add_target(id, "sec", table.concat(parts, ".")) end
      return nil
    end,
    Figure = numbered("fig", "figure"),
    Table = numbered("tbl", "table"),
    Inlines = function(inlines)
      for _, eq in ipairs(equations_in(inlines)) do
        if eq.id:match("^eq%-") then
          counters.eq = counters.eq + 1
          add_target(eq.id, "eq", tostring(counters.eq))
        else
          problem("equation label #" .. eq.id .. " must start with eq-", "#" .. eq.id)
        end
      end
      return nil
    end,
  })
end

local function crossref_kind(id)
  local prefix = id:match("^(%a+)%-")
  if not prefix then return nil end
  prefix = prefix:lower()
  if NAMES[prefix] then return prefix end
  for _, p in ipairs(UNSUPPORTED) do
    if p == prefix then return "unsupported" end
  end
  return nil
end

local function ref_inlines(citation)
  local id = citation.id
  local label = id:sub(1, 1):lower() .. id:sub(2)
  local target = targets[label]
  if target == nil then
    problem("unresolved cross-reference @" .. id .. " (no #" .. label .. " in the document)", "@" .. id)
    return pandoc.Inlines({ pandoc.Str("??") })
  end
  if target.number == nil then
    problem("cross-reference @" .. id .. " points at an unnumbered section", "@" .. id)
    return pandoc.Inlines({ pandoc.Str("??") })
  end
  local bare = citation.mode == "SuppressAuthor"
  local out
  if TYPST then
    if bare then
      out = pandoc.Inlines({ pandoc.RawInline("typst", "#ref(<" .. label .. ">, supplement: none)") })
    else
      out = pandoc.Inlines({ pandoc.RawInline("typst", "#ref(<" .. label .. ">)") })
    end
  else
    local number = target.number
    if target.kind == "eq" then number = "(" .. number .. ")" end
    local text = bare and number or (NAMES[target.kind] .. "\u{a0}" .. number)
    out = pandoc.Inlines({ pandoc.Link(text, "#" .. label) })
  end
  local result = pandoc.Inlines({})
  if citation.prefix and #citation.prefix > 0 then
    result:extend(citation.prefix)
    result:insert(pandoc.Space())
  end
  result:extend(out)
  if citation.suffix and #citation.suffix > 0 then
    result:extend(citation.suffix)
  end
  return result
end

local function Cite(cite)
  local kinds = {}
  local n_ref, n_cite = 0, 0
  for _, c in ipairs(cite.citations) do
    local kind = crossref_kind(c.id)
    if kind == "unsupported" then
      problem("unsupported cross-reference type @" .. c.id .. " (the fallback knows fig-, tbl-, eq-, sec-)",
              "@" .. c.id)
      return pandoc.Str("??")
    end
    if kind then n_ref = n_ref + 1 else n_cite = n_cite + 1 end
  end
  if n_ref == 0 then return nil end
  if n_cite > 0 then
    problem("citation mixes cross-references and bibliography keys: " .. pandoc.utils.stringify(cite.content),
            pandoc.utils.stringify(cite.content))
    return nil
  end
  local out = pandoc.Inlines({})
  for k, c in ipairs(cite.citations) do
    if k > 1 then out:extend({ pandoc.Str(","), pandoc.Space() }) end
    out:extend(ref_inlines(c))
  end
  return out
end

-- Quarto-only constructs that plain pandoc would render silently but differently
local QUARTO_CLASSES = { "^callout", "^panel%-", "^column%-", "^page%-columns", "^content%-visible",
                         "^content%-hidden", "^cell", "^lightbox" }
local IMAGE_ATTRIBUTES = { width = true, height = true, ["fig-align"] = true, ["fig-alt"] = true }

local function check_classes(el, what)
  for _, cls in ipairs(el.classes) do
    for _, pattern in ipairs(QUARTO_CLASSES) do
      if cls:match(pattern) then
        problem("Quarto " .. what .. " class ." .. cls .. " is not supported by the fallback renderer", "." .. cls)
      end
    end
  end
end

local function Div(div)
  check_classes(div, "block")
  local id = div.identifier
  if id:match("^fig%-") or id:match("^tbl%-") then
    problem("figure/table divs (::: {#" .. id .. "}) are not supported; use ![Caption](file){#fig-x} "
            .. "or a pipe table followed by ': Caption {#tbl-x}'", "#" .. id)
  end
  for key, _ in pairs(div.attributes) do
    if key:match("^layout") then
      problem("Quarto layout attribute " .. key .. " is not supported by the fallback renderer", key)
    end
  end
  return nil
end

local function check_image_attributes(img)
  check_classes(img, "image")
  for key, _ in pairs(img.attributes) do
    if not IMAGE_ATTRIBUTES[key] then
      problem("image attribute " .. key .. " is not supported by the fallback renderer (width, height, "
              .. "fig-align, fig-alt are)", key)
    end
  end
end

local function check_table_attributes(tbl)
  for key, _ in pairs(tbl.attributes) do
    problem("table attribute " .. key .. " is not supported by the fallback renderer", key)
  end
end

-- 4. figures, tables, equations, images per format --------------------------------------
local function caption_prefix(caption, words)
  local long = caption.long
  if #long > 0 and (long[1].t == "Plain" or long[1].t == "Para") then
    local content = pandoc.Inlines({ pandoc.Str(words[1]), pandoc.Str("\u{a0}"), pandoc.Str(words[2] .. ":"),
                                     pandoc.Space() })
    content:extend(long[1].content)
    long[1].content = content
  end
  caption.long = long
  return caption
end

local function unnumbered_typst(block)
  return { pandoc.RawBlock("typst", "#[#set figure(numbering: none)"), block, pandoc.RawBlock("typst", "]") }
end

-- Quarto marks every table `typst:no-figure` so that pandoc writes a bare #table(...)
-- (quarto-cli src/resources/filters/quarto-post/typst.lua; quarto-cli issue 10438)
local function bare_table(tbl)
  tbl = tbl:clone()
  tbl.caption = pandoc.Caption()
  tbl.identifier = ""
  tbl.classes:insert("typst:no-figure")
  return tbl
end

-- A labelled float as Quarto writes it for typst (quarto-cli src/resources/filters/layout/typst.lua,
-- make_typst_figure; kind and supplement from customnodes/floatreftarget.lua): Quarto's own float
-- kinds, so that the shared style file's selectors match in both renderers.
local FLOAT = { fig = { supplement = "Figure", position = "bottom" },
                tbl = { supplement = "Table", position = "top" } }

local function quarto_float(kind, id, content, caption)
  local spec = FLOAT[kind]
  local blocks = pandoc.Blocks({ pandoc.Plain({ pandoc.RawInline("typst", "#figure([") }) })
  blocks:extend(content)
  local tail = pandoc.Inlines({ pandoc.RawInline("typst", "], caption: figure.caption(position: "
                                                 .. spec.position .. ", [") })
  tail:extend(pandoc.utils.blocks_to_inlines(caption.long))
  tail:insert(pandoc.RawInline("typst", ']), kind: "quarto-float-' .. kind .. '", supplement: "'
                                 .. spec.supplement .. '")<' .. id .. '>'))
  tail:insert(pandoc.RawInline("typst", "\n\n"))
  blocks:insert(pandoc.Plain(tail))
  return blocks
end

-- figures and tables: a labelled one gets its number in the HTML caption and is a Quarto float
-- in typst (typst numbers it); an unlabelled one is left unnumbered in typst
local function numbered(kind, word, check)
  return function(el)
    if check then check(el) end
    local target = targets[el.identifier]
    if target and target.kind == kind then
      if HTML then
        el.caption = caption_prefix(el.caption, { word, target.number })
        return el
      end
      if TYPST then
        local content = el.t == "Table" and pandoc.Blocks({ bare_table(el) }) or el.content
        return quarto_float(kind, el.identifier, content, el.caption)
      end
      return el
    end
    if TYPST then
      if el.t == "Table" and #el.caption.long == 0 then return bare_table(el) end
      return unnumbered_typst(el)
    end
    return nil
  end
end

local Figure = numbered("fig", "Figure")
local Table = numbered("tbl", "Table", check_table_attributes)

local function Image(img)
  local src = img.src
  check_image_attributes(img)
  if img.identifier:match("^fig%-") then
    problem("figure #" .. img.identifier .. " has no caption (write ![Caption](" .. src .. "){#"
            .. img.identifier .. "})", "#" .. img.identifier)
  end
  if src:match("^%a[%w+.-]*:") then
    problem("figure source must be a local file, not " .. src, src)
    return nil
  end
  local checked = IMAGES[src]
  local handle = checked and io.open(checked.path, "rb")
  if handle == nil then
    problem("figure file not found: " .. src, src)
    return nil
  end
  if TYPST then
    handle:close()
    img.src = checked.typst
    return img
  end
  -- pandoc runs with --sandbox and reads no file for --embed-resources: hand it this one
  pandoc.mediabag.insert(src, nil, handle:read("a"))
  handle:close()
  return nil
end

local function typst_math(text)
  local doc = pandoc.Pandoc({ pandoc.Plain({ pandoc.Math("DisplayMath", text) }) })
  local out = pandoc.write(doc, "typst")
  return (out:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function Inlines(inlines)
  local found = equations_in(inlines)
  if #found == 0 then return nil end
  for k = #found, 1, -1 do
    local eq = found[k]
    local target = targets[eq.id]
    if target and target.kind == "eq" then
      local math = inlines[eq.i]
      local replacement
      if TYPST then
        replacement = pandoc.RawInline("typst", "#[#set math.equation(numbering: \"(1)\"); "
                                       .. typst_math(math.text) .. " <" .. eq.id .. ">]")
      else
        replacement = pandoc.Span({ pandoc.Math("DisplayMath", math.text .. " \\qquad(" .. target.number .. ")") },
                                  pandoc.Attr(eq.id, { "equation" }))
      end
      for _ = eq.i, eq.j do inlines:remove(eq.i) end
      inlines:insert(eq.i, replacement)
    end
  end
  return inlines
end

local function Pandoc(doc)
  number_pass(doc)
  doc = doc:walk({ Cite = Cite })
  doc = doc:walk({ Image = Image, Inlines = Inlines, Div = Div })
  doc = doc:walk({ Figure = Figure, Table = Table })
  return doc
end

local function finish(doc)
  if #problems > 0 then
    for _, p in ipairs(problems) do
      io.stderr:write("PAPERBUILD-PROBLEM\t" .. p.token:gsub("[\t\n]", " ") .. "\t"
                      .. p.message:gsub("[\t\n]", " ") .. "\n")
    end
    error("tools.render: " .. #problems .. " problem(s) in the manuscript")
  end
  return doc
end

return {
  { Span = Span },
  { Pandoc = Pandoc },
  { Pandoc = finish },
}
