from __future__ import annotations

import json

import pytest

from hookline_receiver import ParseError, parse
from _support import FIXTURE, PURCHASE, TRICKY, as_xml_reads_back, render_json, render_xml

# The README's message.posted example, as it is on the wire (one line).
README_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><event><id>evt_AZrTq1LrbPu3d8kWcE2hYA</id><type>message.posted</type>'
    "<timestamp>2026-11-29T12:00:00.000Z</timestamp><communityId>cmty_AZrTpz8cR4KfWn2vYt6eLA</communityId>"
    "<data><user><id>usr_42</id><username>ada</username></user><channel><id>ch_general</id><name>general</name></channel>"
    "<message><id>msg_1</id><text>Hello &lt;world&gt; &amp; friends</text></message>"
    "<postedAt>2026-11-29T12:00:00.000Z</postedAt></data></event>"
)


def test_json_is_parsed_as_sent() -> None:
    assert parse(render_json(PURCHASE), "application/json") == PURCHASE
    assert parse(render_json(PURCHASE).encode("utf-8"), "Application/JSON; charset=utf-8") == PURCHASE
    assert parse(FIXTURE["json"], "application/json") == FIXTURE["envelope"]


def test_json_that_is_not_an_event() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse("{", "application/json")
    with pytest.raises(ParseError, match="not an object"):
        parse("[1]", "application/json")


def test_the_readme_xml_example() -> None:
    assert parse(README_XML, "application/xml") == {
        "id": "evt_AZrTq1LrbPu3d8kWcE2hYA",
        "type": "message.posted",
        "timestamp": "2026-11-29T12:00:00.000Z",
        "communityId": "cmty_AZrTpz8cR4KfWn2vYt6eLA",
        "data": {
            "user": {"id": "usr_42", "username": "ada"},
            "channel": {"id": "ch_general", "name": "general"},
            "message": {"id": "msg_1", "text": "Hello <world> & friends"},
            "postedAt": "2026-11-29T12:00:00.000Z",
        },
    }


def test_xml_made_by_hookline_reads_back_as_its_json() -> None:
    expected = json.loads(FIXTURE["json"])
    expected["data"]["message"]["text"] = expected["data"]["message"]["text"].replace("\r\n", "\n")  # XML line-end rule
    assert parse(FIXTURE["xml"], "application/xml") == expected
    assert "&quot;" in FIXTURE["xml"] and "&apos;" in FIXTURE["xml"] and "&lt;" in FIXTURE["xml"]


def test_every_documented_xml_shape() -> None:
    event = parse(FIXTURE["shapesXml"], "application/xml")
    assert list(event) == ["id", "type", "timestamp", "communityId", "data"]
    assert event["data"] == {
        "n": "",  # null
        "e": "",  # ''
        "o": "",  # {}
        # "a": [] is absent: an empty array has no element
        "one": "x",  # a one-element array reads back as its item
        "two": [{"k": "1"}, {"k": "2"}],
        "b": "true",
        "f": "1.5",
        "big": "1e+21",
        "s": " sp ",  # text is never trimmed
        "crlf": "a\nb",  # CR LF in text comes back as LF
        "ctl": "a\ufffdb",  # characters XML 1.0 cannot carry arrive as U+FFFD
        "q": "\"'<>&",
        "zero": "007",  # strings that look like numbers stay strings
    }


def test_xml_arrays_names_the_paths_that_are_lists() -> None:
    event = parse(FIXTURE["shapesXml"], "application/xml", xml_arrays={"data.one", "data.two", "data.a", "data.two.k"})
    assert event["data"]["one"] == ["x"]
    assert event["data"]["two"] == [{"k": ["1"]}, {"k": ["2"]}]
    assert "a" not in event["data"]


def test_xml_round_trip_of_a_purchase_with_escapes() -> None:
    body = render_xml(PURCHASE)
    assert "<name>Golden &lt;badge&gt; &amp; &quot;friends&quot; &apos;quoted&apos; &amp;amp; " in body
    event = parse(body, "application/xml")
    assert event == as_xml_reads_back(PURCHASE)
    assert event["data"]["item"]["name"] == TRICKY
    assert event["data"]["purchase"] == {"id": "pur_9", "price": "4.5", "currency": "USD", "quantity": "2"}


def test_character_references_cdata_and_whitespace_between_elements() -> None:
    body = """<?xml version="1.0" encoding="UTF-8"?>
    <event>
      <id>&#60;&#x3E;&#38;</id>
      <type><![CDATA[a <b> & c]]></type>
      <data><text>  two  spaces  </text><empty/></data>
    </event>
    """
    assert parse(body, "text/xml") == {"id": "<>&", "type": "a <b> & c", "data": {"text": "  two  spaces  ", "empty": ""}}


def test_xml_that_is_not_a_hookline_event() -> None:
    with pytest.raises(ParseError, match="root element is <order>"):
        parse("<order><id>1</id></order>", "application/xml")
    with pytest.raises(ParseError, match="mixes text and elements"):
        parse("<event><data>text<id>1</id></data></event>", "application/xml")
    with pytest.raises(ParseError, match="not well-formed"):
        parse("<event><id>1</event>", "application/xml")
    with pytest.raises(ParseError, match="not well-formed"):
        parse("", "application/xml")
    assert parse("<event/>", "application/xml") == {}


def test_dtds_and_entity_declarations_are_refused() -> None:
    billion_laughs = (
        '<?xml version="1.0"?><!DOCTYPE event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<event><id>&b;</id></event>"
    )
    external = '<?xml version="1.0"?><!DOCTYPE event [<!ENTITY x SYSTEM "file:///etc/passwd">]><event><id>&x;</id></event>'
    for body in (billion_laughs, external, '<!DOCTYPE event><event><id>1</id></event>'):
        with pytest.raises(ParseError, match="forbidden"):
            parse(body, "application/xml")


def test_other_content_types_are_refused() -> None:
    for content_type in ("text/plain", "", "application/x-www-form-urlencoded"):
        with pytest.raises(ParseError, match="unsupported content type"):
            parse("{}", content_type)
