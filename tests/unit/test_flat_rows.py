"""The fast row writer writes exactly what spyne writes, for every row type of every group."""

import itertools
from datetime import date, datetime
from unittest import mock

import pytest
from lxml import etree
from partnerapi.http import HttpRequest
from partnerapi.logic import clients
from partnerapi.soap import TNS
from partnerapi.soap.endpoint import SERVICE_CLASSES, SoapEndpoint, _service_class
from partnerapi.soap.envelope import content_type_of
from partnerapi.soap.flat_rows import FlatRowsSoap11, FlatRowsSoap12
from partnerapi.soap.rows import ClientRow, Row
from spyne import Boolean, Date, Integer, MethodContext, Unicode
from spyne.protocol.soap import Soap11, Soap12

SAMPLES = {
    Unicode: ["Ёлка <&> \"кавычки\" 'и' ]]>", "", "😀 plain ascii", "  spaces  "],
    Integer: [0, 4, -7, 2**40],
    Boolean: [True, False],
    Date: [date(2024, 2, 29), date(1, 1, 1), datetime(2025, 12, 31, 23, 59)],
}


def sample_of(field_type: type, index: int) -> object:
    for base, values in SAMPLES.items():
        if issubclass(field_type, base):
            return values[index % len(values)]
    raise AssertionError(f"no sample for {field_type}")


def all_row_types() -> list[type]:
    for group in SERVICE_CLASSES:
        _service_class(group)  # declares the group's rows
    found, pending = [], list(Row.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.get_type_name())


def rows_of(row_type: type) -> list[dict]:
    fields = list(row_type.get_flat_type_info(row_type).items())
    filled = [{name: sample_of(field_type, index) for name, field_type in fields} for index in range(4)]
    empty = {name: None for name, _ in fields}
    sparse = {name: sample_of(field_type, 1) for position, (name, field_type) in enumerate(fields) if position % 2}
    return [*filled, empty, sparse]


def written(protocol: object, row_type: type, row: object) -> bytes:
    endpoint = SoapEndpoint.for_all()
    protocol.set_app(endpoint._app("1.1").app)
    ctx = MethodContext(endpoint._app("1.1"), MethodContext.SERVER)
    parent = etree.Element(f"{{{TNS}}}result", nsmap={"tns": TNS})
    protocol.to_parent(ctx, row_type, row, parent, TNS, row_type.get_type_name())
    return etree.tostring(parent, encoding="UTF-8")


ROW_TYPES = all_row_types()


@pytest.mark.parametrize("row_type", ROW_TYPES, ids=lambda cls: cls.get_type_name())
@pytest.mark.parametrize(("fast", "generic"), [(FlatRowsSoap11, Soap11), (FlatRowsSoap12, Soap12)], ids=["soap11", "soap12"])
def test_every_row_type_is_written_byte_for_byte_as_spyne_writes_it(row_type, fast, generic):
    # Given every row type, with text that needs escaping, empty and absent values, dates and datetimes
    for row in rows_of(row_type):
        # When the fast writer and spyne's own write the row, given as a dict and as a spyne object
        expected = written(generic(), row_type, row_type(**row))
        as_dict, as_object = written(fast(), row_type, row), written(fast(), row_type, row_type(**row))
        # Then the bytes are the same
        assert as_dict == expected and as_object == expected, row


def test_the_writer_covers_every_row_type_it_is_given():
    # Given the product's row types, When the fast writer plans them, Then none falls back to spyne
    # (a fallback would still be correct, but slow: this says so when a new row type needs a formatter)
    protocol = FlatRowsSoap11()
    assert len(ROW_TYPES) >= 20
    assert [cls.get_type_name() for cls in ROW_TYPES if protocol._plan(cls) is None] == []


def test_a_field_type_the_writer_does_not_know_goes_through_spyne():
    # Given a row with a field type the writer has no formatter for
    from spyne import Decimal

    odd = type("odd_row", (Row,), {"__type_name__": "odd_row", "_type_info": [("amount", Decimal), ("name", Unicode)]})
    # When it is planned and written, Then spyne writes it, the same as without the fast writer
    assert FlatRowsSoap11()._plan(odd) is None
    row = {"amount": "12.50", "name": "x"}
    assert written(FlatRowsSoap11(), odd, row) == written(Soap11(), odd, odd(**row))


def client_rows(count: int) -> list[dict]:
    names = itertools.cycle(["ООО «Ромашка» & Co", "ИП Иванов <b>", "Plain"])
    return [
        {
            "client_id": f"00000000-0000-4000-8000-{index:012d}",
            "region_id": "11111111-1111-4111-8111-111111111111",
            "client_name": next(names),
            "client_full_name": "Полное наименование " * (index % 3),
            "client_del": index % 4 == 0,
            "client_inn": None if index % 5 == 0 else "7701234567",
            "client_kpp": "",
            "client_reg_num": "ВО123",
            "pay_method_id": index % 5,
            "addit_attribute": None,
            "client_new_id": f"10000000-0000-4000-8000-{index:012d}",
        }
        for index in range(count)
    ]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_whole_response_is_the_same_as_spyne_alone_writes_it(version):
    # Given the clients endpoint and the same endpoint with spyne's own writer
    product, plain = SoapEndpoint.for_group("clients"), SoapEndpoint.for_group("clients")
    plain._app(version).app.out_protocol.__class__ = Soap12 if version == "1.2" else Soap11
    assert type(product._app(version).app.out_protocol).__mro__[1:].count(Soap11 if version == "1.1" else Soap12) == 1
    envelope = (
        f'<?xml version="1.0" encoding="utf-8"?><e:Envelope xmlns:e="{"http://schemas.xmlsoap.org/soap/envelope/" if version == "1.1" else "http://www.w3.org/2003/05/soap-envelope"}" '
        f'xmlns:t="{TNS}"><e:Body><t:client_read/></e:Body></e:Envelope>'
    ).encode()
    request = HttpRequest("POST", "/cus/ws/PartnerAPI/clients", {"content-type": content_type_of(version)}, envelope, partner_id="p", request_id="r")
    # When client_read answers 300 rows through each
    with mock.patch.object(clients, "client_read", return_value=client_rows(300)):
        fast, slow = product._call_spyne(version, request), plain._call_spyne(version, request)
    # Then the responses are identical, and hold every row
    assert fast.status == slow.status == 200
    assert fast.body == slow.body
    assert fast.body.count(b"<tns:client>") == 300 and ClientRow.get_type_name() == "client"
