"use strict";
// Renders /api/openapi.json as a list of operations. Text only: nothing from
// the description is inserted as HTML.

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function resolve(spec, schema) {
  if (schema && schema.$ref) {
    const name = schema.$ref.split("/").pop();
    return { [name]: spec.components.schemas[name] };
  }
  return schema;
}

function schemaBlock(spec, schema) {
  return element("pre", {}, JSON.stringify(resolve(spec, schema), null, 2));
}

function operationView(spec, path, method, operation) {
  const body = element("div", { class: "body" });
  if (operation.description) body.append(element("p", {}, operation.description));
  if (operation.parameters) {
    const rows = operation.parameters.map((p) =>
      element("tr", {}, element("td", {}, p.name), element("td", {}, p.in), element("td", {}, JSON.stringify(p.schema))));
    body.append(element("h4", {}, "Parameters"), element("table", {}, ...rows));
  }
  if (operation.requestBody) {
    body.append(element("h4", {}, "Request body"), schemaBlock(spec, operation.requestBody.content["application/json"].schema));
  }
  body.append(element("h4", {}, "Responses"));
  for (const [status, response] of Object.entries(operation.responses)) {
    body.append(element("p", {}, `${status}: ${response.description}`));
    if (response.content && status < 300) body.append(schemaBlock(spec, response.content["application/json"].schema));
  }
  return element(
    "details", { class: "operation" },
    element("summary", {}, element("span", { class: `method ${method}` }, method), element("span", { class: "path" }, path),
      element("span", {}, operation.summary || "")),
    body);
}

async function main() {
  const target = document.getElementById("operations");
  const response = await fetch("../openapi.json");
  const spec = await response.json();
  const byTag = new Map();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const tag = (operation.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationView(spec, path, method, operation));
    }
  }
  target.replaceChildren(...[...byTag].map(([tag, views]) => element("section", { class: "tag" }, element("h2", {}, tag), ...views)));
}

main().catch((error) => {
  document.getElementById("operations").replaceChildren(element("p", {}, `Could not load the API description: ${error}`));
});
