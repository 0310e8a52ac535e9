"""Reading the EMF documents (CloudWatch's embedded metric format) that the app writes into its log."""

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MetricPoint:
    """One metric of one document: its name, the dimension sets it is published under, and its value."""

    name: str
    namespace: str
    dimension_sets: tuple[tuple[str, ...], ...]
    dimensions: dict[str, str]
    value: float
    unit: str
    document: dict[str, Any]


def emf_documents(text: str) -> list[dict[str, Any]]:
    """Every JSON line of `text` that CloudWatch would take for metrics: it has _aws.CloudWatchMetrics."""
    documents = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(document, dict) and "CloudWatchMetrics" in document.get("_aws", {}):
            documents.append(document)
    return documents


def metric_points(text: str) -> list[MetricPoint]:
    points = []
    for document in emf_documents(text):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            sets = tuple(tuple(dimension_set) for dimension_set in directive["Dimensions"])
            names = {name for dimension_set in sets for name in dimension_set}
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    points.append(
                        MetricPoint(
                            name=metric["Name"],
                            namespace=directive["Namespace"],
                            dimension_sets=sets,
                            dimensions={name: document[name] for name in names},
                            value=value,
                            unit=metric["Unit"],
                            document=document,
                        )
                    )
    return points
