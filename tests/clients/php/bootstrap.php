<?php
// Shared by the PHP SoapClient scenarios of tests/e2e/test_php_client.py.
// Every scenario is run as: php <scenario>.php <service URL> <login> <password> <1.1|1.2> [scenario arguments…]
// and prints one JSON document on stdout; pytest asserts on it.

declare(strict_types=1);

set_error_handler(static function (int $severity, string $message, string $file, int $line): bool {
    // a notice about a missing property is a wrong answer, not something to print and carry on from
    throw new ErrorException($message, 0, $severity, $file, $line);
});

/** The scenario's own arguments (after URL, login, password and SOAP version). */
function scenario_arguments(): array
{
    return array_slice($GLOBALS['argv'], 5);
}

/**
 * A SoapClient on the service's WSDL, in the requested SOAP version. No 'location' option: the WSDL's
 * address is the one the WSDL was fetched from.
 */
function partnerapi_client(array $options = []): SoapClient
{
    [, $url, $login, $password, $version] = $GLOBALS['argv'];
    return new SoapClient($url . '?wsdl', $options + [
        'login' => $login,
        'password' => $password,
        'soap_version' => $version === '1.2' ? SOAP_1_2 : SOAP_1_1,
        'cache_wsdl' => WSDL_CACHE_NONE,
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,  // a one-row result is still an array of rows
        'exceptions' => true,
        'trace' => true,  // keeps the last response: SOAP 1.2 subcodes are only there
    ]);
}

/** The rows of a result (`$result-><operation>Result-><row type>`); an empty result has no row property. */
function rows(object $result, string $operation, string $row_type): array
{
    return $result->{$operation . 'Result'}->{$row_type} ?? [];
}

/** Calls an operation that must fail and describes the SoapFault as the scenario's JSON sees it. */
function fault_of(SoapClient $client, callable $call): array
{
    try {
        $call();
    } catch (SoapFault $fault) {
        return describe_fault($client, $fault);
    }
    return ['error' => 'no fault'];
}

function describe_fault(SoapClient $client, SoapFault $fault): array
{
    $described = ['faultcode' => $fault->faultcode, 'faultstring' => $fault->faultstring];
    $response = $client->__getLastResponse();
    if ($response) {
        $described += soap12_code_details($response);
    }
    return $described;
}

/**
 * SoapFault has no property for a SOAP 1.2 fault's subcodes (faultcode is only `…:Sender`) nor for the Reason's
 * language: they are read from the response. php-soap comes without PHP's DOM (Debian's php-xml), so these
 * are regular expressions over the service's fault, the subcode's prefix resolved by its declaration.
 */
function soap12_code_details(string $response): array
{
    $subcodes = [];
    preg_match_all('~<(?:[\w.-]+:)?Subcode>\s*<(?:[\w.-]+:)?Value\b[^>]*>\s*([^<\s]+)\s*<~', $response, $values);
    foreach ($values[1] as $value) {
        [$prefix, $local] = str_contains($value, ':') ? explode(':', $value, 2) : ['', $value];
        $declaration = $prefix === '' ? 'xmlns' : 'xmlns:' . preg_quote($prefix, '~');
        $namespace = preg_match('~\s' . $declaration . '=["\']([^"\']*)["\']~', $response, $found) ? $found[1] : null;
        $subcodes[] = ['namespace' => $namespace, 'local' => $local];
    }
    preg_match_all('~<(?:[\w.-]+:)?Reason>\s*<(?:[\w.-]+:)?Text\b[^>]*\bxml:lang=["\']([^"\']+)~', $response, $languages);
    return ['subcodes' => $subcodes, 'reason_languages' => $languages[1]];
}

function emit(array $result): void
{
    echo json_encode($result, JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR), "\n";
}
