--[[
  {{< ledger some.key >}} — a number from the results ledger, as the analysis printed it.

  Reads results/ledger.json (the project directory is paper/, so ../results/ledger.json;
  $SLM_RESULTS/ledger.json when SLM_RESULTS is set, as in analysis/core/paths.py) and
  returns the entry's `formatted` string. In HTML the number carries its provenance:

    <span class="ledger" data-ledger-key="KEY" title="KEY = VALUE (SCRIPT)">FORMATTED</span>

  elsewhere it is plain text. An unknown key stops the render with an error naming it.
  The stock {{< var >}} shortcode prints bare text and cannot carry the key into HTML.
  The fallback renderer (paper/build.py) produces the same output without Quarto.
]]

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

local function is_html()
  local is_format = quarto.doc.is_format or quarto.doc.isFormat
  return is_format("html")
end

-- Same rendering of the raw value as paper/build.py ('%.14g' for numbers).
local function show_value(value)
  if type(value) == "number" then
    return string.format("%.14g", value)
  end
  return tostring(value)
end

local function title_of(key, entry)
  local value = show_value(entry.value)
  if type(entry.unit) == "string" and entry.unit ~= "" then
    value = value .. " " .. entry.unit
  end
  return key .. " = " .. value .. " (" .. tostring(entry.script) .. ")"
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
      -- attributes as an ordered list of pairs: the HTML is the same on every run
      return pandoc.Span({ pandoc.Str(formatted) }, pandoc.Attr("", { "ledger" }, {
        { "data-ledger-key", key },
        { "title", title_of(key, entry) },
      }))
    end
    return pandoc.Str(formatted)
  end,
}
