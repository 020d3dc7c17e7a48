package io.meshprobe.agent.internal;

import io.meshprobe.internal.meters.MeterDef;
import io.meshprobe.internal.meters.MeterDefs;
import io.meshprobe.internal.meters.MeterRow;
import io.meshprobe.internal.meters.MeterSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.NotCompliantMBeanException;
import javax.management.ReflectionException;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * {@code io.meshprobe:type=MeshProbe}: the {@link MeshProbeMXBean} attributes (strings and the wait's figures) plus
 * one numeric attribute per meter of the library's definition ({@link MeterDefs#ALL}), so a JMX exporter keeps
 * the same numbers the Micrometer meters show, without a list of its own here.
 *
 * <ul>
 *   <li>A meter without tags is a {@code Double} attribute named after the meter without {@code meshprobe.}, in
 *       camel case: {@code meshprobe.mtls.enabled} is {@code MtlsEnabled}, the certificate's expiry
 *       {@code IdentityCertExpirationTimestamp} (epoch seconds). {@code null} when not known (exporters skip it).
 *   <li>A meter with tags is {@code TabularData}: one row per series, the tags as {@code String} index columns and
 *       the number in the column {@code value}, so exporters turn the tags into labels: {@code PortInfo}
 *       ({@code port}, {@code protocol}, {@code mtls}), {@code Findings} ({@code code}, {@code severity}),
 *       {@code MtlsMode} ({@code mode}), {@code ProxyWaitTime}, {@code ProxyQuit}, ...
 * </ul>
 */
final class MeshProbeMBean implements DynamicMBean {
  private final StandardMBean base;
  private final MeterSource source;
  private final Map<String, MeterDef> meters = new LinkedHashMap<String, MeterDef>();
  private final Map<String, TabularType> tables = new LinkedHashMap<String, TabularType>();
  private final MBeanInfo info;

  MeshProbeMBean(AgentState state) throws NotCompliantMBeanException, OpenDataException {
    this.base = new StandardMBean(state, MeshProbeMXBean.class, true);
    this.source = state.meters();
    List<MBeanAttributeInfo> attributes = new ArrayList<MBeanAttributeInfo>();
    for (MBeanAttributeInfo a : base.getMBeanInfo().getAttributes()) {
      attributes.add(a);
    }
    for (MeterDef def : MeterDefs.ALL) {
      String name = attributeName(def);
      meters.put(name, def);
      String description = def.description() + " (" + def.name() + (def.baseUnit() == null ? "" : ", " + def.baseUnit()) + ")";
      if (def.tagKeys().isEmpty()) {
        attributes.add(new OpenMBeanAttributeInfoSupport(name, description, SimpleType.DOUBLE, true, false, false));
      } else {
        TabularType t = tableType(def, name);
        tables.put(name, t);
        attributes.add(new OpenMBeanAttributeInfoSupport(name, description, t, true, false, false));
      }
    }
    MBeanInfo b = base.getMBeanInfo();
    this.info =
        new MBeanInfo(
            MeshProbeMBean.class.getName(),
            "mesh-probe's view of the pod's mesh proxy (the agent)",
            attributes.toArray(new MBeanAttributeInfo[0]),
            b.getConstructors(),
            b.getOperations(),
            b.getNotifications());
  }

  /** {@code meshprobe.identity.cert.expiration.timestamp} -> {@code IdentityCertExpirationTimestamp}. */
  static String attributeName(MeterDef def) {
    StringBuilder out = new StringBuilder();
    for (String part : def.name().substring("meshprobe.".length()).split("\\.")) {
      out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    }
    return out.toString();
  }

  private static TabularType tableType(MeterDef def, String name) throws OpenDataException {
    int n = def.tagKeys().size();
    String[] items = new String[n + 1];
    OpenType<?>[] types = new OpenType<?>[n + 1];
    for (int i = 0; i < n; i++) {
      items[i] = def.tagKeys().get(i);
      types[i] = SimpleType.STRING;
    }
    items[n] = "value";
    types[n] = SimpleType.DOUBLE;
    CompositeType row = new CompositeType(name + "Row", def.description(), items, items, types);
    return new TabularType(name, def.description(), row, def.tagKeys().toArray(new String[0]));
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException, MBeanException, ReflectionException {
    MeterDef def = meters.get(attribute);
    if (def == null) {
      return base.getAttribute(attribute);
    }
    List<MeterRow> rows = def.rows(source);
    TabularType type = tables.get(attribute);
    if (type == null) {
      return rows.isEmpty() ? null : rows.get(0).value();
    }
    try {
      TabularDataSupport table = new TabularDataSupport(type);
      CompositeType rowType = type.getRowType();
      for (MeterRow r : rows) {
        Map<String, Object> values = new LinkedHashMap<String, Object>();
        for (int i = 0; i < def.tagKeys().size(); i++) {
          values.put(def.tagKeys().get(i), r.tagValues().get(i));
        }
        values.put("value", r.value());
        table.put(new CompositeDataSupport(rowType, values));
      }
      return table;
    } catch (OpenDataException e) {
      throw new MBeanException(e);
    }
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    AttributeList out = new AttributeList();
    for (String a : attributes) {
      try {
        out.add(new Attribute(a, getAttribute(a)));
      } catch (Exception e) {
        // left out, as the JMX contract wants
      }
    }
    return out;
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException(attribute.getName() + " is read-only");
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) throws MBeanException, ReflectionException {
    return base.invoke(actionName, params, signature);
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    return info;
  }
}
