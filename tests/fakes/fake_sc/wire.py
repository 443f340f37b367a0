"""Small helpers of the fake Service Center's wire: XML tag names, quoted values and
Content-Type parameters (shared by the SOAP and REST handlers and the HTTP plumbing)."""


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag):
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def strip_quotes(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_content_type(value):
    parts = [p.strip() for p in (value or "").split(";")]
    mime = parts[0].lower() if parts else ""
    params = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = strip_quotes(v)
    return mime, params
