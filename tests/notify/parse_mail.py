"""Reads one RFC 5322 message from standard input with Python's own mail parser and prints
what the tests check as JSON: decoded headers and the plain-text and HTML parts."""
import json
import sys
from email import policy
from email.parser import BytesParser

msg = BytesParser(policy=policy.default).parsebytes(sys.stdin.buffer.read())
text = msg.get_body(preferencelist=("plain",))
html = msg.get_body(preferencelist=("html",))
print(json.dumps({
    "subject": str(msg["Subject"]),
    "from": str(msg["From"]),
    "to": str(msg["To"]),
    "list_unsubscribe": str(msg["List-Unsubscribe"]),
    "list_unsubscribe_post": str(msg["List-Unsubscribe-Post"]),
    "content_language": str(msg["Content-Language"]),
    "text": text.get_content() if text else None,
    "html": html.get_content() if html else None,
}, ensure_ascii=False))
