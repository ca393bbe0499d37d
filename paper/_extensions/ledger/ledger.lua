--[[
  {{< ledger some.key >}} — a number from the results ledger, as the analysis printed it.

  Reads results/ledger.json (the project directory is paper/, so ../results/ledger.json;
  $SLM_RESULTS/ledger.json when SLM_RESULTS is set, as in analysis/core/paths.py) and
  returns the entry's `formatted` string. In HTML the number carries its provenance (the span
  of ledger_span.lua, beside this file); elsewhere it is plain text. An unknown key stops the
  render with an error naming it.
  The stock {{< var >}} shortcode prints bare text and cannot carry the key into HTML.
  The fallback renderer (tools/render/) produces the same output without Quarto; its filter
  loads the same ledger_span.lua and embeds the same ledger.css. Table cells carry their keys
  the same way: tools/render/stage.py writes this shortcode into every keyed cell.
]]

-- ledger_span.lua from this extension's folder (quarto.utils.resolve_path, else this file's path)
local function beside_this_file(name)
  if quarto.utils ~= nil and quarto.utils.resolve_path ~= nil then
    return quarto.utils.resolve_path(name)
  end
  local here = debug.getinfo(1, "S").source:gsub("^@", "")
  return pandoc.path.join({ pandoc.path.directory(here), name })
end

local span = dofile(beside_this_file("ledger_span.lua"))

local entries = nil
local source = nil

local function project_dir()
  if quarto.project ~= nil and quarto.project.directory ~= nil then
    return quarto.project.directory
  end
  if quarto.doc ~= nil and quarto.doc.input_file ~= nil then
    return pandoc.path.directory(quarto.doc.input_file)
  end
  return pandoc.system.get_working_directory()
end

local function ledger_path()
  local results = os.getenv("SLM_RESULTS")
  if results ~= nil and results ~= "" then
    return pandoc.path.join({ results, "ledger.json" })
  end
  return pandoc.path.join({ project_dir(), "..", "results", "ledger.json" })
end

local function decode(text)
  if quarto.json ~= nil and quarto.json.decode ~= nil then
    return quarto.json.decode(text)
  end
  return pandoc.json.decode(text, false)
end

local function load_ledger()
  if entries == nil then
    source = ledger_path()
    local handle = io.open(source, "rb")
    if handle == nil then
      error("ledger shortcode: cannot read " .. source .. " (run `make analysis` first)")
    end
    local text = handle:read("a")
    handle:close()
    entries = decode(text)
    if type(entries) ~= "table" then
      error("ledger shortcode: " .. source .. " is not a JSON object")
    end
  end
  return entries, source
end

-- the .ledger style (ledger.css beside this file), added once per document; Quarto resolves
-- stylesheet paths relative to this script (src/resources/pandoc/datadir/init.lua,
-- quarto.doc.add_html_dependency)
local style_added = false
local function add_style()
  if style_added or quarto.doc.add_html_dependency == nil then
    return
  end
  style_added = true
  quarto.doc.add_html_dependency({ name = "ledger", version = "1.0.0", stylesheets = { "ledger.css" } })
end

local function is_html()
  local is_format = quarto.doc.is_format or quarto.doc.isFormat
  return is_format("html")
end

return {
  ["ledger"] = function(args, kwargs, meta, raw_args, context)
    if #args ~= 1 then
      error("ledger shortcode: expected exactly one key, got " .. #args .. " arguments")
    end
    local key = pandoc.utils.stringify(args[1])
    local ledger, path = load_ledger()
    local entry = ledger[key]
    if entry == nil then
      error("ledger shortcode: unknown ledger key '" .. key .. "' (not in " .. path .. ")")
    end
    local formatted = tostring(entry.formatted)
    if context == "text" then
      return formatted
    end
    if is_html() then
      add_style()
      return span.span(key, entry, { pandoc.Str(formatted) })
    end
    return pandoc.Str(formatted)
  end,
}
