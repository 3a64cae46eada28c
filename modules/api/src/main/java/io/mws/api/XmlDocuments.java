package io.mws.api;

import com.ctc.wstx.stax.WstxInputFactory;
import com.ctc.wstx.stax.WstxOutputFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import com.fasterxml.jackson.dataformat.xml.XmlNameProcessors;
import com.fasterxml.jackson.dataformat.xml.ser.ToXmlGenerator;
import io.mws.protocol.ApiError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;

/**
 * The XML form of the JSON documents (docs/API.md, "2. Conventions": same document, other syntax), through
 * Jackson's XML data format. The mapping, both ways:
 * <ul>
 *   <li>the root element is {@code <document>} (any name is accepted in a request);</li>
 *   <li>an object member is an element named after the key; a key that is not an XML name is
 *       written as {@code base64_tag_<base64 of the key>} (Jackson's reversible name encoding);</li>
 *   <li>an array is an element holding one {@code <item>} element per value (an empty array is an
 *       empty element); in a request, an element whose only children are {@code <item>}s is an
 *       array, and so is a repeated element;</li>
 *   <li>null is {@code <x xsi:nil="true"/>}; numbers and booleans are their JSON text.</li>
 * </ul>
 * XML has no types: every value of a request arrives as a string ("" for an empty element). Where a
 * resource has a schema (vhost settings), the resource converts those strings by it; elsewhere (an
 * event's data) they stay strings. DTDs and external entities are refused.
 */
final class XmlDocuments {
  static final String ROOT = "document";
  static final String ITEM = "item";
  /** Deeper requests are refused: no resource has more than a few levels, and the depth bounds recursion here. */
  static final int MAX_DEPTH = 64;

  private static final XMLInputFactory INPUT = safeInput();
  private static final XmlMapper XML = XmlMapper.builder(new XmlFactory(INPUT, new WstxOutputFactory()))
      .xmlNameProcessor(XmlNameProcessors.newBase64Processor())
      .enable(ToXmlGenerator.Feature.WRITE_NULLS_AS_XSI_NIL)
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private XmlDocuments() {}

  /** The XML text of a JSON value (a response body). */
  static String write(Object json, boolean pretty) {
    try {
      var tree = wrapArrays(JSON.readTree(Json.encode(json)));
      var writer = XML.writer().withRootName(ROOT);
      return (pretty ? writer.withDefaultPrettyPrinter() : writer).writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON document that cannot be written as XML", e);
    }
  }

  /** The JSON value of an XML request body; 400 {@code invalid_xml} when it is not well-formed XML. */
  static Object read(Buffer raw) {
    var bytes = raw.getBytes();
    JsonNode tree;
    try {
      refuseDoctype(bytes);
      tree = XML.readTree(bytes);
    } catch (IOException | XMLStreamException | RuntimeException e) {
      throw ApiError.badRequest("invalid_xml", "The request body is not well-formed XML (DTDs are not accepted).");
    }
    var value = unwrapArrays(tree == null ? JsonNodeFactory.instance.objectNode() : tree, 0);
    return Json.decodeValue(value.toString());
  }

  /** Arrays become an element of {@code <item>}s, so one-element and empty arrays survive. */
  private static JsonNode wrapArrays(JsonNode node) {
    if (node instanceof ObjectNode object) {
      var copy = JsonNodeFactory.instance.objectNode();
      object.properties().forEach(e -> copy.set(e.getKey(), wrapArrays(e.getValue())));
      return copy;
    }
    if (node instanceof ArrayNode array) {
      var items = JsonNodeFactory.instance.arrayNode();
      array.forEach(element -> items.add(wrapArrays(element)));
      return JsonNodeFactory.instance.objectNode().set(ITEM, items);
    }
    return node;
  }

  private static JsonNode unwrapArrays(JsonNode node, int depth) {
    if (depth > MAX_DEPTH) {
      throw ApiError.badRequest("invalid_xml", "The XML body is nested deeper than " + MAX_DEPTH + " levels.");
    }
    if (node instanceof ObjectNode object) {
      if (object.size() == 1 && object.has(ITEM)) {
        var items = object.get(ITEM);
        var array = JsonNodeFactory.instance.arrayNode();
        if (items instanceof ArrayNode many) many.forEach(item -> array.add(unwrapArrays(item, depth + 1)));
        else array.add(unwrapArrays(items, depth + 1));
        return array;
      }
      var copy = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> e : object.properties())
        copy.set(e.getKey(), unwrapArrays(e.getValue(), depth + 1));
      return copy;
    }
    if (node instanceof ArrayNode array) {
      var copy = JsonNodeFactory.instance.arrayNode();
      array.forEach(element -> copy.add(unwrapArrays(element, depth + 1)));
      return copy;
    }
    return node;
  }

  /**
   * Any document type declaration is refused, even one without entities: with DTD support off the
   * parser would skip it silently, and a body is either plain data or an attack. The whole document is
   * read (the parser handles the BOM and the encoding), not just the prolog: the tree reader stops at
   * the end of the root element and would not see what follows it.
   */
  private static void refuseDoctype(byte[] bytes) throws XMLStreamException {
    var reader = INPUT.createXMLStreamReader(new ByteArrayInputStream(bytes));
    try {
      while (reader.hasNext()) {
        if (reader.next() == XMLStreamConstants.DTD) throw new XMLStreamException("a DOCTYPE");
      }
    } finally {
      reader.close();
    }
  }

  /** No DTD, no external entities: an XML body cannot expand entities or read files (XXE). */
  private static XMLInputFactory safeInput() {
    var factory = new WstxInputFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    return factory;
  }
}
