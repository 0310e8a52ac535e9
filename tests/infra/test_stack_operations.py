"""What keeps the stage observable and bounded: alarms, outputs. The API's
throttling and 5xx alarm, for each front door: test_stack_front_door.py."""

from infra.cdk.permissions import FUNCTIONS
from infra.cdk.stages import DEPLOYED_STAGES
from tests.infra.conftest import Synthesized


def _alarms(synthesized: Synthesized) -> list[dict]:
    return [alarm["Properties"] for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()]


def _alarm_topic(synthesized: Synthesized) -> str:
    (topic,) = synthesized.of_type("AWS::SNS::Topic")
    return topic


def test_every_dead_letter_queue_has_a_depth_alarm(synthesized: Synthesized) -> None:
    dead_letter_queues = {
        logical_id
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
        if queue["Properties"]["QueueName"].endswith("-dlq")
    }
    watched = {
        alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in _alarms(synthesized)
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == dead_letter_queues
    for alarm in _alarms(synthesized):
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible":
            assert alarm["Namespace"] == "AWS/SQS"
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
            assert alarm["Threshold"] == 0


def test_each_functions_errors_and_throttles_raise_alarms(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    lambda_alarms = {
        (alarm["MetricName"], alarm["Dimensions"][0]["Value"]["Ref"])
        for alarm in alarms
        if alarm["Namespace"] == "AWS/Lambda"
    }
    assert lambda_alarms == {(metric, function) for metric in ("Errors", "Throttles") for function in FUNCTIONS}


def test_every_alarm_notifies_the_stages_topic(synthesized: Synthesized) -> None:
    topic = _alarm_topic(synthesized)
    for alarm in _alarms(synthesized):
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_outputs_give_the_api_url_and_the_queue_urls(synthesized: Synthesized) -> None:
    outputs = synthesized.outputs
    assert {
        "EndpointURL",
        "TicketStatusEventsQueueUrl",
        "OrderEventsQueueUrl",
        "SigningKeyArn",
        "AlarmTopicArn",
    } <= set(outputs)


def test_dev_data_goes_with_the_stack_and_prod_data_stays() -> None:
    assert not DEPLOYED_STAGES["dev"].retain_data
    assert DEPLOYED_STAGES["prod"].retain_data
    assert DEPLOYED_STAGES["prod"].api_rate_limit > DEPLOYED_STAGES["dev"].api_rate_limit
