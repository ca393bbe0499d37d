--[[
  How a ledger number carries its provenance in HTML, in one place for both renderers:

    <span class="ledger" data-ledger-key="KEY" title="KEY = VALUE (SCRIPT)">FORMATTED</span>

  VALUE is the raw value ('%.14g' for numbers) followed by the unit when there is one.
  Loaded with dofile by the shortcode (ledger.lua, beside this file) and by the fallback
  renderer's pandoc filter (tools/render/filter.lua); it returns a table of functions.
]]

local M = {}

function M.show_value(value)
  if type(value) == "number" then
    return string.format("%.14g", value)
  end
  return tostring(value)
end

function M.title(key, entry)
  local value = M.show_value(entry.value)
  if type(entry.unit) == "string" and entry.unit ~= "" then
    value = value .. " " .. entry.unit
  end
  return key .. " = " .. value .. " (" .. tostring(entry.script) .. ")"
end

-- attributes as an ordered list of pairs: the HTML is the same on every run
function M.span(key, entry, inlines)
  return pandoc.Span(inlines, pandoc.Attr("", { "ledger" }, {
    { "data-ledger-key", key },
    { "title", M.title(key, entry) },
  }))
end

return M
